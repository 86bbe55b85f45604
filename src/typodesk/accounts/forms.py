from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from typodesk.forms import NoColon


class LoginForm(NoColon, forms.Form):
    # "username": the field name Django's auth uses; the label says what it is.
    username = forms.EmailField(label=_("E-mail"), max_length=254)
    password = forms.CharField(label=_("Password"), strip=False, max_length=4096, widget=forms.PasswordInput)


class CodeForm(NoColon, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "class": "code-input"}),
    )


class NewPasswordForm(NoColon, forms.Form):
    """A password for a new account (accepting an invitation)."""

    name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            raise forms.ValidationError(_("The two passwords are not the same."))
        if p1:
            from typodesk.accounts.models import User

            password_validation.validate_password(p1, User(email=self.email))
        return data


class DisableTwoFactorForm(NoColon, forms.Form):
    password = forms.CharField(label=_("Password"), strip=False, max_length=4096)
    code = forms.CharField(label=_("Code from your app or a recovery code"), max_length=32)
