"""Template filters for the plain-text messages."""

from django import template

register = template.Library()


@register.filter
def indent_lines(value: str, prefix: str = "    ") -> str:
    """Every line of a reader's comment indented: it reads as a quote, never as part of the message."""
    return "\n".join(prefix + line for line in str(value).splitlines())


@register.simple_tag
def paused_channels(user) -> int:
    """How many channels of the sites this user owns are paused: the desk's menu shows it on every page,
    so a broken channel is noticed without visiting the notification pages."""
    if not getattr(user, "is_authenticated", False):
        return 0
    from typodesk.notify.models import Channel

    channels = Channel.objects.filter(paused_at__isnull=False)
    if not user.is_superuser:
        channels = channels.filter(site__memberships__user=user, site__memberships__role="owner")
    return channels.count()
