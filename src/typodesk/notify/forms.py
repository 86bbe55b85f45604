"""The forms owners use to set up channels, one per kind.

A stored URL (Apprise or webhook) is never put back into a form: it may hold
a token. Editing shows it masked, and an empty URL field keeps the stored one.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from typodesk.notify.models import DEFAULT_SUBSCRIPTIONS, Channel, Subscription, new_webhook_secret
from typodesk.notify.targets import apprise_url_problem, webhook_url_problem

MAX_RECIPIENTS = 20


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(tz, tz) for tz in sorted(available_timezones()) if "/" in tz or tz == "UTC"]


class ChannelForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=Subscription.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=DEFAULT_SUBSCRIPTIONS,
        label=_("Send on"),
        error_messages={"required": _("Choose at least one event.")},
    )

    class Meta:
        model = Channel
        fields = ["name", "events"]
        labels = {"name": _("Name")}
        help_texts = {"name": _("For you: “Night editor”, “#corrections on Slack”, “CMS”.")}

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site

    def save_channel(self, user=None) -> Channel:
        channel = self.save(commit=False)
        if channel.pk is None:
            channel.site = self.site
            channel.kind = self.kind
            channel.created_by = user
        channel.save()
        return channel


class EmailChannelForm(ChannelForm):
    kind = Channel.Kind.EMAIL
    field_order = [
        "name",
        "recipients",
        "events",
        "immediate",
        "digest",
        "digest_hour",
        "time_zone",
        "language",
    ]
    recipients = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One address per line."),
    )
    digest_hour = forms.TypedChoiceField(
        coerce=int, choices=[(h, f"{h:02d}:00") for h in range(24)], initial=8, label=_("Digest at")
    )
    time_zone = forms.ChoiceField(choices=time_zone_choices, label=_("in the time zone"))
    language = forms.ChoiceField(choices=settings.LANGUAGES, label=_("Language of the mails"))

    class Meta(ChannelForm.Meta):
        fields = ["name", "events", "immediate", "digest", "digest_hour", "time_zone", "language"]
        labels = {
            "name": _("Name"),
            "immediate": _("A mail for each event (bursts grouped)"),
            "digest": _("A daily digest"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["recipients"] = "\n".join(self.instance.recipients())
        else:
            self.initial.setdefault("time_zone", settings.TIME_ZONE)

    def clean_recipients(self) -> str:
        addresses = [
            a.strip() for a in self.cleaned_data["recipients"].replace(",", "\n").splitlines() if a.strip()
        ]
        if not addresses:
            raise ValidationError(_("Enter at least one address."))
        if len(addresses) > MAX_RECIPIENTS:
            raise ValidationError(
                ngettext_lazy("At most %(n)d address.", "At most %(n)d addresses.", "n"),
                params={"n": MAX_RECIPIENTS},
            )
        bad = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError(_("Not an e-mail address: %(bad)s"), params={"bad": ", ".join(bad)})
        return "\n".join(dict.fromkeys(addresses))

    def clean(self):
        data = super().clean()
        if not data.get("immediate") and not data.get("digest"):
            raise ValidationError(_("Choose a mail for each event, a daily digest, or both."))
        return data

    def save_channel(self, user=None) -> Channel:
        self.instance.target = self.cleaned_data["recipients"]
        return super().save_channel(user)


class UrlChannelForm(ChannelForm):
    url = forms.CharField(max_length=2000, label=_("URL"), strip=True)
    field_order = ["name", "url", "events"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["url"].required = False
            self.fields["url"].help_text = _("Leave empty to keep the current URL.")

    def url_problem(self, url: str) -> str | None:
        raise NotImplementedError

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if url:
            problem = self.url_problem(url)
            if problem:
                raise ValidationError(problem[:1].upper() + problem[1:] + ".")
        return url

    def save_channel(self, user=None) -> Channel:
        if self.cleaned_data.get("url"):
            self.instance.target = self.cleaned_data["url"]
        return super().save_channel(user)


class AppriseChannelForm(UrlChannelForm):
    kind = Channel.Kind.APPRISE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["url"].label = _("Apprise URL")
        if not self.instance.pk:
            self.fields["url"].help_text = _(
                "tgram://bottoken/ChatID, slack://TokenA/TokenB/TokenC/#channel, "
                "matrixs://user:token@matrix.example/!room, discord://WebhookID/Token, "
                "ntfys://ntfy.sh/topic… (see the Apprise wiki)."
            )

    def url_problem(self, url: str) -> str | None:
        return apprise_url_problem(url)


class WebhookChannelForm(UrlChannelForm):
    kind = Channel.Kind.WEBHOOK

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["url"].help_text = _("typodesk POSTs signed JSON here (Standard Webhooks).")
            self.fields["url"].widget = forms.URLInput()

    def url_problem(self, url: str) -> str | None:
        return webhook_url_problem(url)

    def save_channel(self, user=None) -> Channel:
        if not self.instance.secret:
            self.instance.secret = new_webhook_secret()
        return super().save_channel(user)


FORMS: dict[str, type[ChannelForm]] = {
    Channel.Kind.EMAIL: EmailChannelForm,
    Channel.Kind.APPRISE: AppriseChannelForm,
    Channel.Kind.WEBHOOK: WebhookChannelForm,
}
