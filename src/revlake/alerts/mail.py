"""The email channel: one plain-text message per batch of new alerts (smtplib).

`ssl = true` connects with implicit TLS (SMTP_SSL, port 465); otherwise a plain
connection is upgraded with STARTTLS when `starttls = true` (the default, port 587) and
the server must offer it. Login happens only when `username` / `password_env` are set.
Connection errors, timeouts and 4xx SMTP replies are retried; 5xx replies (a refused
login, a refused recipient) are permanent.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from revlake.alert_settings import EmailSettings
from revlake.alerts.log import AlertRecord
from revlake.alerts.retry import SendError


def compose(
    settings: EmailSettings, tenant: str, delivery_id: int, alerts: Sequence[AlertRecord]
) -> EmailMessage:
    """The message: a subject counting the alerts, one paragraph per alert."""
    message = EmailMessage()
    count = len(alerts)
    message["Subject"] = (
        f"{settings.subject_prefix} {count} new alert{'s' if count != 1 else ''} "
        f"for {tenant}".strip()
    )
    message["From"] = settings.from_address
    message["To"] = ", ".join(settings.to)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(idstring=f"revlake-{tenant}-{delivery_id}")
    message["X-Revlake-Delivery"] = str(delivery_id)
    lines = [f"{count} new alert{'s' if count != 1 else ''} for tenant {tenant}:", ""]
    for alert in alerts:
        lines += [
            f"- [{alert.kind}] {alert.message}",
            f"  rule {alert.rule_id}, raised {alert.raised_at} on build {alert.snapshot}",
            "",
        ]
    lines.append("The alerts page of the revlake dashboard lists every alert and delivery.")
    message.set_content("\n".join(lines))
    return message


def password(settings: EmailSettings) -> str | None:
    if settings.password_env is None:
        return None
    value = os.environ.get(settings.password_env)
    if value is None:
        raise SendError(
            f"environment variable {settings.password_env} (alerts.email.password_env) is not set",
            retryable=False,
        )
    return value


def send(settings: EmailSettings, message: EmailMessage) -> None:
    """One attempt: connect, (STARTTLS,) (log in,) send; SendError when it fails."""
    secret = password(settings)
    where = f"SMTP {settings.host}:{settings.port}"
    try:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if settings.ssl:
            smtp = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout_seconds, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        with smtp:
            smtp.ehlo()
            if settings.starttls and not settings.ssl:
                if not smtp.has_extn("starttls"):
                    raise SendError(
                        f"{where} does not offer STARTTLS; set starttls = false only for a "
                        "server on a trusted network, or use ssl = true",
                        retryable=False,
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.username is not None and secret is not None:
                smtp.login(settings.username, secret)
            smtp.send_message(message)
    except SendError:
        raise
    except smtplib.SMTPResponseException as exc:
        reply = exc.smtp_error
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        raise SendError(
            f"{where} answered {exc.smtp_code}: {text}",
            retryable=400 <= exc.smtp_code < 500,
            status=exc.smtp_code,
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = sorted(exc.recipients)
        raise SendError(f"{where} refused the recipients {refused}", retryable=False) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(f"{where}: {exc}", retryable=True) from None
