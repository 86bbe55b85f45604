from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from typodesk.forms import NoColon
from typodesk.sites.models import SITE_LANGUAGES, Membership, Site, normalize_domain

ROLE_CHOICES = [
    (Membership.Role.OWNER, _("Owner: settings, members, notifications, and everything an editor does")),
    (Membership.Role.EDITOR, _("Editor: handles findings")),
    (Membership.Role.VIEWER, _("Viewer: reads findings")),
]


_RETENTION_RANGE = _("Write a number of days from 1 to 36500, or leave it empty to keep findings forever.")


class SiteSettingsForm(NoColon, forms.ModelForm):
    retention_days = forms.IntegerField(
        label=_("Days to keep closed findings"),
        help_text=_(
            "Findings marked fixed, not a mistake, spam or duplicate are deleted with their reports "
            "this many days after they were closed. Empty: kept forever."
        ),
        required=False,
        min_value=1,
        max_value=36500,
        error_messages={"min_value": _RETENTION_RANGE, "max_value": _RETENTION_RANGE},
    )

    class Meta:
        model = Site
        fields = [
            "name",
            "default_language",
            "www_alias",
            "allow_reader_email",
            "root_selector",
            "retention_days",
        ]
        labels = {
            "name": _("Name"),
            "default_language": _("Default language"),
            "www_alias": _("Treat www. and the bare domain as one"),
            "allow_reader_email": _("Readers may leave an e-mail address to be told of the fix"),
            "root_selector": _("Article text (CSS selector)"),
            "retention_days": _("Days to keep closed findings"),
        }
        help_texts = {
            "default_language": _(
                "The language of the site's pages. The widget uses it unless a page says otherwise."
            ),
            "www_alias": _(
                "With news.example listed, pages on www.news.example count as the site's too, "
                "and the other way round."
            ),
            "allow_reader_email": _(
                "Off by default: an address is personal data. It is deleted once the reader is told."
            ),
            "root_selector": _(
                "Where the widget reads the text, for example article.story. "
                "Empty: article, else main, else the whole page."
            ),
            "retention_days": _(
                "Findings marked fixed, not a mistake, spam or duplicate are deleted with their reports "
                "this many days after they were closed. Empty: kept forever."
            ),
        }
        widgets = {"default_language": forms.Select(choices=SITE_LANGUAGES)}
        error_messages = {"name": {"required": _("Give the site a name.")}}

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the site a name."))
        return name


class DomainForm(NoColon, forms.Form):
    host = forms.CharField(label=_("Domain"), max_length=300)

    def clean_host(self):
        try:
            return normalize_domain(self.cleaned_data["host"])
        except ValueError:
            raise forms.ValidationError(
                _("This is not a domain name. Write it like news.example or *.news.example.")
            ) from None


class InviteForm(NoColon, forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial=Membership.Role.EDITOR)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class RoleForm(NoColon, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class DeleteSiteForm(NoColon, forms.Form):
    confirm = forms.CharField(label=_("Type the site's name to confirm"), max_length=200, strip=True)

    def __init__(self, *args, site: Site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site

    def clean_confirm(self):
        if self.cleaned_data["confirm"] != self.site.name.strip():
            raise forms.ValidationError(_("That is not the site's name. Nothing was deleted."))
        return self.cleaned_data["confirm"]
