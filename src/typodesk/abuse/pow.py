"""Proof-of-work in the ALTCHA format (v1: SHA-256 of salt + number), without cookies.

A challenge comes from the public endpoint ``GET /widget/pow/<site key>``: a random salt that
carries its expiry and the site's key, the SHA-256 of the salt and a secret random number up to
``maxNumber``, and an HMAC of that hash with a key derived from SECRET_KEY. The reader's browser
finds the number by trying them in turn (``source/pow.js``) and sends the ALTCHA payload (base64
JSON of algorithm, challenge, number, salt, signature) as the report's ``pow`` field.

The server needs no state to issue a challenge and one row to accept a solution: the solved
challenge is recorded (:class:`~typodesk.abuse.models.UsedSolution`) until it expires, so each
solution is accepted once; the worker purges the rows of expired ones.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta

import altcha
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from typodesk.abuse.models import UsedSolution

ALGORITHM = "SHA-256"
MAX_PAYLOAD = 2000  # characters of base64: an honest payload is about 400


class PowError(ValueError):
    """A solution that cannot be accepted; the message says why, for the reader."""


def _key() -> str:
    return f"typodesk.abuse.pow:{settings.SECRET_KEY}"


def challenge(site_key: str, now: datetime | None = None) -> dict:
    """A new challenge for the site, as the ALTCHA JSON the browser reads."""
    now = now or timezone.now()
    made = altcha.create_challenge_v1(
        algorithm=ALGORITHM,
        max_number=settings.TYPODESK_POW_MAX_NUMBER,
        salt_length=12,
        hmac_key=_key(),
        salt="",
        number=None,
        expires=now + timedelta(seconds=settings.TYPODESK_POW_EXPIRES),
        params={"site": site_key},
    )
    return made.to_dict()


def _decode(payload: str) -> dict:
    if not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD:
        raise PowError("The proof-of-work solution is missing or malformed.")
    try:
        data = json.loads(base64.b64decode(payload, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise PowError("The proof-of-work solution is not an ALTCHA payload.") from None
    fields = {"algorithm": str, "challenge": str, "number": int, "salt": str, "signature": str}
    if not isinstance(data, dict) or any(not isinstance(data.get(k), t) for k, t in fields.items()):
        raise PowError("The proof-of-work solution is not an ALTCHA payload.")
    if isinstance(data["number"], bool) or not 0 <= data["number"] <= 10**12:
        raise PowError("The proof-of-work solution is not an ALTCHA payload.")
    return {k: data[k] for k in fields}


def check(site_key: str, payload: str, now: datetime | None = None) -> tuple[str, datetime]:
    """Verify a solution for the site without using it up; returns (challenge, expiry).

    Raises :class:`PowError` for a forged, foreign, expired or malformed one.
    """
    now = now or timezone.now()
    data = _decode(payload)
    params = altcha.extract_params_v1(data)
    try:
        expires = datetime.fromtimestamp(int(params["expires"][0]), tz=timezone.UTC)
    except (KeyError, IndexError, ValueError, OverflowError, OSError):
        raise PowError("The proof-of-work solution has no valid expiry.") from None
    if params.get("site") != [site_key]:
        raise PowError("The proof-of-work solution was made for another site.")
    ok, _ = altcha.verify_solution_v1(data, _key(), check_expires=False)
    if not ok or data["algorithm"] != ALGORITHM:
        raise PowError("The proof-of-work solution is wrong.")
    if expires <= now:
        raise PowError("The proof-of-work solution has expired. Please send the report again.")
    return data["challenge"], expires


def use(challenge_hash: str, expires: datetime) -> None:
    """Record the challenge as used; raises :class:`PowError` when it was used before."""
    try:
        with transaction.atomic():
            UsedSolution.objects.create(challenge=challenge_hash, expires=expires)
    except IntegrityError:
        raise PowError(
            "This proof-of-work solution was already used. Please send the report again."
        ) from None


def purge(now: datetime | None = None) -> int:
    """Forget the used solutions that have expired (they would be refused as expired anyway)."""
    deleted, _ = UsedSolution.objects.filter(expires__lte=now or timezone.now()).delete()
    return deleted


def solve(data: dict) -> str:
    """Solve a challenge the slow, obvious way, as the browser does; returns the payload (tests, bench)."""
    import hashlib

    for n in range(data["maxNumber"] + 1):
        if hashlib.sha256(f"{data['salt']}{n}".encode()).hexdigest() == data["challenge"]:
            out = {k: data[k] for k in ("algorithm", "challenge", "salt", "signature")} | {"number": n}
            return base64.b64encode(json.dumps(out).encode()).decode()
    raise ValueError("no solution")
