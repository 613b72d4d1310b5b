"""Channels behind one interface: ``send(envelope) -> provider`` or raise.

* ``SmtpChannel``: e-mail over real SMTP (``SMTP_URL``), STARTTLS when the URL asks for it.
* ``HttpSmsChannel``: SMS through a generic HTTP gateway (``SMS_GATEWAY_URL``), documented in
  docs/operations.md.
* ``RecordChannel``: the development default when a channel is not configured: the message
  stays in the outbox (subject and body visible in the console) and nothing leaves the server.

A channel raises ``Refused`` when retrying cannot help (a refused recipient, a 4xx from the
gateway) and ``Unavailable`` when it can (connection refused, timeout, 4xx SMTP codes, 5xx).
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app


class Refused(Exception):
    """Delivery can never succeed for this message; the reason is shown on the order."""


class Unavailable(Exception):
    """The channel is down or busy; try again later."""


@dataclass
class Envelope:
    recipient: str
    subject: str
    text: str
    html: str | None = None
    # (filename, mime type "text/calendar; method=PUBLISH", bytes)
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    message_id: str | None = None


class RecordChannel:
    provider = "record"

    def send(self, envelope: Envelope) -> str:
        return self.provider


@dataclass
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """``smtp://user:pass@host:587`` (STARTTLS), ``smtps://…:465`` (TLS from the start),
        ``smtp://host:25`` without credentials (plain, for a relay on the same machine).
        ``?starttls=1`` or ``?starttls=0`` overrides the choice."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("SMTP_URL must start with smtp:// or smtps://")
        implicit = parts.scheme == "smtps"
        port = parts.port or (465 if implicit else 587)
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        starttls = not implicit and (bool(username) or port == 587)
        wanted = parse_qs(parts.query).get("starttls")
        if wanted and not implicit:
            starttls = wanted[0] in ("1", "true", "yes")
        return cls(parts.hostname or "localhost", port, username, password, implicit, starttls)


class SmtpChannel:
    provider = "smtp"

    def __init__(self, url: str, sender: str, timeout: float):
        self.settings = SmtpSettings.from_url(url)
        self.sender, self.timeout = sender, timeout

    def build(self, envelope: Envelope) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = envelope.recipient
        mail["Subject"] = envelope.subject
        mail["Message-ID"] = envelope.message_id or make_msgid(domain="doorstep")
        mail.set_content(envelope.text)
        if envelope.html:
            mail.add_alternative(envelope.html, subtype="html")
        for filename, mimetype, data in envelope.attachments:
            maintype, _, rest = mimetype.partition("/")
            subtype, *params = [p.strip() for p in rest.split(";")]
            extra = dict(p.split("=", 1) for p in params if "=" in p)
            mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename,
                                params=extra)
        return mail

    def send(self, envelope: Envelope) -> str:
        s = self.settings
        mail = self.build(envelope)
        try:
            if s.implicit_tls:
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
            with client:
                if s.starttls:
                    client.starttls(context=ssl.create_default_context())
                if s.username:
                    client.login(s.username, s.password or "")
                client.send_message(mail, from_addr=parseaddr(self.sender)[1],
                                    to_addrs=[envelope.recipient])
        except smtplib.SMTPRecipientsRefused as refused:
            code, reason = next(iter(refused.recipients.values()))
            if 400 <= code < 500:
                raise Unavailable(f"SMTP {code}: {_text(reason)}") from None
            raise Refused(f"the mail server refused {envelope.recipient}: "
                          f"{code} {_text(reason)}") from None
        except smtplib.SMTPResponseException as problem:
            if 500 <= problem.smtp_code < 600 and problem.smtp_code != 530:
                raise Refused(f"SMTP {problem.smtp_code}: {_text(problem.smtp_error)}") from None
            raise Unavailable(f"SMTP {problem.smtp_code}: {_text(problem.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as problem:
            raise Unavailable(f"the mail server is unreachable: {problem}") from None
        return self.provider


class HttpSmsChannel:
    """POSTs ``{"to": "+86…", "text": "…", "sender": "…", "reference": "<message id>"}`` as
    JSON, with ``Authorization: Bearer <SMS_GATEWAY_TOKEN>`` when a token is set. Any 2xx is
    sent; 4xx is refused (the reason is the response body); 5xx and network errors retry."""

    provider = "http"

    def __init__(self, url: str, token: str | None, sender: str, timeout: float):
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout

    def send(self, envelope: Envelope) -> str:
        body = json.dumps({"to": envelope.recipient, "text": envelope.text,
                           "sender": self.sender, "reference": envelope.message_id}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout):  # noqa: S310
                return self.provider
        except urllib.error.HTTPError as problem:
            detail = problem.read(500).decode("utf-8", "replace")
            if 400 <= problem.code < 500 and problem.code not in (408, 429):
                raise Refused(f"the SMS gateway refused it: {problem.code} {detail}") from None
            raise Unavailable(f"the SMS gateway answered {problem.code}") from None
        except OSError as problem:
            raise Unavailable(f"the SMS gateway is unreachable: {problem}") from None


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def channel_for(name: str):
    """The configured channel for ``email`` or ``sms``."""
    from ..settings import service as settings  # what the admin saved

    config = current_app.config
    if name == "email":
        if config.get("SMTP_URL"):
            sender = config["SMTP_FROM"]
            if settings.get("MAIL_SENDER_NAME") or "<" not in sender:
                # The sender name set (else the company's) before SMTP_FROM's address.
                sender = formataddr((settings.sender_name(), parseaddr(sender)[1]))
            return SmtpChannel(config["SMTP_URL"], sender, config["SMTP_TIMEOUT"])
        return RecordChannel()
    if name == "sms":
        if config.get("SMS_GATEWAY_URL"):
            return HttpSmsChannel(config["SMS_GATEWAY_URL"], config.get("SMS_GATEWAY_TOKEN"),
                                  config["SMS_SENDER"], config["SMTP_TIMEOUT"])
        return RecordChannel()
    raise ValueError(f"unknown channel {name!r}")
