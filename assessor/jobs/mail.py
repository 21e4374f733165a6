"""E-mail through the SMTP server named by the ``ASSESSOR_SMTP_*`` settings.

Without ``ASSESSOR_SMTP_HOST`` (and a sender, ``ASSESSOR_SMTP_FROM``) mail is off: the pages do not
offer to send anything. A message is plain text with an HTML alternative. Nothing here logs a
message's content: a private link travels in it.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Mapping

# ASSESSOR_SMTP_TLS: STARTTLS after connecting (port 587), TLS from the start (port 465), or none
# (a relay on the same machine or network, or a test server).
TLS_MODES = ("starttls", "ssl", "off")


class MailError(Exception):
    """The message could not be handed to the SMTP server (refused, unreachable, too slow)."""


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    user: str
    password: str
    sender: str
    tls: str
    timeout: float


def settings(config: Mapping[str, Any]) -> Settings | None:
    """Return the SMTP settings of an application's config, or None when mail is not set up."""
    host, sender = (config.get("SMTP_HOST") or "").strip(), (config.get("SMTP_FROM") or "").strip()
    if not host or not sender:
        return None
    tls = (config.get("SMTP_TLS") or "starttls").strip().lower()
    if tls not in TLS_MODES:
        raise RuntimeError(f"ASSESSOR_SMTP_TLS must be one of {', '.join(TLS_MODES)} (got {tls!r})")
    return Settings(host=host, port=int(config.get("SMTP_PORT") or (465 if tls == "ssl" else 587)),
                    user=config.get("SMTP_USER") or "", password=config.get("SMTP_PASSWORD") or "",
                    sender=sender, tls=tls, timeout=float(config.get("SMTP_TIMEOUT") or 10))


def message(sender: str, to: str, subject: str, text: str, html: str, lang: str) -> EmailMessage:
    """Return a message in plain text with an HTML alternative, in ``lang``."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    msg["Content-Language"] = lang  # after the content: setting it clears the Content-* headers
    return msg


def send(smtp: Settings, msg: EmailMessage) -> None:
    """Hand ``msg`` to the SMTP server, within ``smtp.timeout`` seconds per step; raise MailError.

    The error says what went wrong in general terms, never the message (it carries a private link).
    Once the server accepted the message it is sent, whatever the goodbye says: a QUIT answered
    with anything but 221, or a connection closed after the message, is not a failure (retrying
    it would send the company a second copy).
    """
    connection = None
    try:
        if smtp.tls == "ssl":
            connection = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout,
                                          context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        if smtp.tls == "starttls":
            connection.starttls(context=ssl.create_default_context())
        if smtp.user:
            connection.login(smtp.user, smtp.password)
        connection.send_message(msg)
    except smtplib.SMTPResponseException as exc:
        _close(connection)
        raise MailError(f"the SMTP server {smtp.host}:{smtp.port} refused the message "
                        f"(code {exc.smtp_code})") from None
    except (smtplib.SMTPException, OSError) as exc:
        _close(connection)
        raise MailError(f"the SMTP server {smtp.host}:{smtp.port} could not be reached or failed "
                        f"({type(exc).__name__})") from None
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        _close(connection)


def _close(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        try:
            connection.close()
        except OSError:
            pass
