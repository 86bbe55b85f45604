"""E-mail channels: one SMTP server for the instance (``TYPODESK_EMAIL_URL``).

smtplib is used directly rather than Django's mail backend because the
backend hides what we need most: which recipients the server refused and with
which code. A 5xx on every recipient is a bad address (permanent); a 4xx, a
refused connection or a timeout is temporary. The message itself is built by
Django (plain-text and HTML parts, encoded headers).
"""

from __future__ import annotations

import email.policy
import smtplib
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email

from typodesk.notify.content import Outgoing, render_human
from typodesk.notify.transport import Delivered, DeliveryError, Transport


def _smtp_error(exc: smtplib.SMTPResponseException) -> str:
    message = (
        exc.smtp_error.decode("utf-8", "replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {message}".strip()


def _mail_domain() -> str:
    """The desk's host name, for Message-IDs (an IP address or "localhost" is not a mail domain)."""
    host = urlsplit(settings.BASE_URL).hostname or ""
    return host if "." in host and any(c.isalpha() for c in host) else "typodesk.invalid"


class EmailTransport(Transport):
    def send(self, out: Outgoing) -> Delivered:
        if not settings.EMAIL_HOST:
            raise DeliveryError(
                "e-mail is not configured on this instance: the admin must set TYPODESK_EMAIL_URL",
                result="not configured",
            )
        recipients = self.channel.recipients()
        if not recipients:
            raise DeliveryError("the channel has no recipients", permanent=True, result="no recipients")
        for address in recipients:
            try:
                validate_email(address)
            except ValidationError:
                raise DeliveryError(
                    f"{address!r} is not an e-mail address", permanent=True, result="bad address"
                ) from None
        human = render_human(out)
        mail = EmailMultiAlternatives(
            subject=human.subject,
            body=human.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=recipients,
            headers={
                # The same Message-ID on every retry: mail clients show one mail if a retry
                # follows a delivery whose acknowledgement was lost.
                "Message-ID": f"<{out.uid}@{_mail_domain()}>",
                "Auto-Submitted": "auto-generated",
                "X-Auto-Response-Suppress": "All",
            },
        )
        mail.attach_alternative(human.html, "text/html")
        data = mail.message(policy=email.policy.SMTP).as_bytes()
        try:
            refused = self._deliver(recipients, data)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _msg in exc.recipients.values()]
            detail = "; ".join(
                f"{addr}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
                for addr, (code, msg) in exc.recipients.items()
            )
            permanent = all(code >= 500 for code in codes)
            raise DeliveryError(
                f"the mail server refused every recipient: {detail}",
                permanent=permanent,
                result="recipients refused",
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"the mail server refused the login ({_smtp_error(exc)}): check TYPODESK_EMAIL_URL",
                result="SMTP login refused",
            ) from None
        except smtplib.SMTPDataError as exc:
            raise DeliveryError(
                f"the mail server refused the message: {_smtp_error(exc)}",
                permanent=exc.smtp_code >= 500,
                result=f"SMTP {exc.smtp_code}",
            ) from None
        except smtplib.SMTPResponseException as exc:
            # Sender refused, HELO refused, a 4xx anywhere: the instance's mail setup or a
            # server in trouble, not this channel; retrying gives the admin time to fix it.
            raise DeliveryError(
                f"the mail server answered {_smtp_error(exc)}", result=f"SMTP {exc.smtp_code}"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            server = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
            raise DeliveryError(
                f"cannot reach the mail server {server}: {exc or type(exc).__name__}",
                result="mail server unreachable",
            ) from None
        if refused:
            detail = "; ".join(
                f"{addr}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
                for addr, (code, msg) in refused.items()
            )
            return Delivered(
                result=f"delivered to {len(recipients) - len(refused)} of {len(recipients)} recipients",
                warning=f"the mail server refused some recipients: {detail}",
            )
        return Delivered(
            result=f"delivered to {len(recipients)} recipient{'s' if len(recipients) > 1 else ''}"
        )

    def _deliver(self, recipients: list[str], data: bytes) -> dict:
        timeout = settings.EMAIL_TIMEOUT or 20
        context = ssl.create_default_context()
        if settings.EMAIL_USE_SSL:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout, context=context
            )
        else:
            conn = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout)
        try:
            if settings.EMAIL_USE_TLS:
                conn.starttls(context=context)
            if settings.EMAIL_HOST_USER:
                conn.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
            return conn.sendmail(settings.DEFAULT_FROM_EMAIL, recipients, data)
        finally:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()
