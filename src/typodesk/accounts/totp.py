"""Two-factor authentication with an authenticator app (TOTP, RFC 6238) and recovery codes.

Codes come from pyotp; the QR code for enrolment is drawn here as SVG (segno), so the desk makes
no request to any other server and needs no script. A code is accepted once: the device keeps
the time step of the last accepted code and moves it forward with one conditional UPDATE, so
two requests racing with the same code cannot both succeed, and neither can a replay within the
code's window.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from urllib.parse import urlsplit

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from typodesk.accounts.models import RecoveryCode, TOTPDevice, User

STEP = 30  # seconds per code
WINDOW = 1  # steps accepted either side of now: clocks of phones drift
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def issuer() -> str:
    host = urlsplit(settings.BASE_URL).hostname or "typodesk"
    return f"typodesk ({host})"


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=user.email, issuer_name=issuer())


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code: no style attribute, nothing for the CSP to refuse."""
    qr = segno.make(uri, error="m", micro=False)
    return qr.svg_inline(scale=5, border=4, dark="#000", light="#fff", omitsize=True, svgclass="qr")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def clean_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "")


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code is ``code`` (within the window), or None."""
    code = clean_code(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    now = time.time() if now is None else now
    totp = pyotp.TOTP(secret, interval=STEP)
    current = int(now // STEP)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if secrets.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def verify(device: TOTPDevice, code: str, now: float | None = None) -> bool:
    """True when ``code`` is the device's and newer than any code accepted before; then it is spent."""
    step = matching_step(device.secret, code, now)
    if step is None:
        return False
    spent = TOTPDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
    if spent:
        device.last_step = step
    return bool(spent)


def has_two_factor(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _code_hash(code: str) -> str:
    return hashlib.sha256(clean_code(code).lower().encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones and return them (shown once)."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=_code_hash(c)) for c in codes])
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one of the user's recovery codes; False when it is not one or was used before."""
    if not re.fullmatch(r"[a-z0-9]{12}", clean_code(code).lower()):
        return False
    return bool(
        RecoveryCode.objects.filter(user=user, code_hash=_code_hash(code), used_at=None).update(
            used_at=timezone.now()
        )
    )


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at=None).count()


def check_second_factor(user: User, code: str) -> bool:
    """A code from the authenticator, or else one of the recovery codes."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return False
    if verify(device, code):
        return True
    return use_recovery_code(user, code)


def disable(user: User) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
