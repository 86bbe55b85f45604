"""The protection page's forms: the site's limits, and one entry of each blocklist."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from typodesk.abuse.models import Protection

HASH = re.compile(r"^[0-9a-f]{32}$")


class ProtectionForm(forms.ModelForm):
    """Empty fields take the instance's default, shown as the placeholder."""

    class Meta:
        model = Protection
        fields = [
            "client_per_minute",
            "client_burst",
            "site_per_minute",
            "site_burst",
            "min_seconds",
            "max_links",
        ]

    LIMITS = {
        "client_per_minute": (1, 100_000),
        "client_burst": (1, 100_000),
        "site_per_minute": (1, 1_000_000),
        "site_burst": (1, 1_000_000),
        "min_seconds": (0, 60),
        "max_links": (0, 100),
    }

    def __init__(self, *args, defaults: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            low, high = self.LIMITS[name]
            field.min_value, field.max_value = low, high
            field.widget.attrs.update(
                min=low, max=high, placeholder=_("default: %(value)s") % {"value": defaults[name]}
            )
            field.validators.append(_range(low, high))
            field.help_text = _("Leave empty for the default (%(value)s).") % {"value": defaults[name]}
        self.fields["min_seconds"].widget.attrs["step"] = "0.1"


def _range(low, high):
    def check(value):
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(
                _("Enter a number from %(low)s to %(high)s, or leave it empty for the default."),
                params={"low": low, "high": high},
            )

    return check


class BlockClientForm(forms.Form):
    client_hash = forms.CharField(
        label=_("Client hash"),
        max_length=100,
        help_text=_("The 32 characters shown with a report in the desk, in the export or in the API."),
    )

    def clean_client_hash(self) -> str:
        value = self.cleaned_data["client_hash"].strip().lower()
        if not HASH.match(value):
            raise forms.ValidationError(_("A client hash is 32 characters, digits and the letters a to f."))
        return value


class BlockWordForm(forms.Form):
    word = forms.CharField(
        label=_("Word or phrase"),
        max_length=100,
        help_text=_("Matched as a whole word in comments and suggestions, in any case."),
    )

    def clean_word(self) -> str:
        value = " ".join(self.cleaned_data["word"].split())
        if not value:
            raise forms.ValidationError(_("Enter a word or phrase."))
        return value
