"""An email ChannelAccount as the loop and the sender need it: IMAP/SMTP endpoints, security, mailboxes.

config: {"imap_host", "imap_port", "imap_security": "tls"|"starttls"|"plain", "smtp_host", "smtp_port",
"smtp_security", "address", "mailboxes": ["INBOX"], "sent_folder": optional, "username": optional (the
address), "from_name": optional, "verify_tls": true, "ca_file": optional, "start_from": "all"|"new",
"poll_interval_s": 60, "idle_timeout_s": 600,
"use_idle": true (false forces polling)}; secrets: {"password"}."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from channels.base import AccountView

Security = Literal["tls", "starttls", "plain"]
IMAP_PORTS = {"tls": 993, "starttls": 143, "plain": 143}
SMTP_PORTS = {"tls": 465, "starttls": 587, "plain": 25}
PASSWORD = "password"  # noqa: S105 (the name of a secret, not one)


class AccountConfigError(ValueError):
    pass


@dataclass(frozen=True)
class MailAccount:
    name: str
    address: str
    username: str
    password: str
    imap_host: str | None
    imap_port: int
    imap_security: Security
    smtp_host: str | None
    smtp_port: int
    smtp_security: Security
    mailboxes: tuple[str, ...] = ("INBOX",)
    sent_folder: str | None = None
    from_name: str | None = None
    verify_tls: bool = True
    ca_file: str | None = None
    start_from: Literal["all", "new"] = "all"
    poll_interval_s: float = 60.0
    idle_timeout_s: float = 600.0
    use_idle: bool = True

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2] or "okno.local"

    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.ca_file)
        if not self.verify_tls:  # a private server with a self-signed certificate, by the admin's choice
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


def mail_account(view: AccountView) -> MailAccount:
    config = view.config
    address = _text(config, "address")
    if not address or "@" not in address:
        raise AccountConfigError(f"email account {view.name!r}: config.address must be an email address")
    imap_security = _security(config, "imap_security")
    smtp_security = _security(config, "smtp_security")
    mailboxes = config.get("mailboxes") or ["INBOX"]
    if isinstance(mailboxes, str):  # `okno channel add --config mailboxes=INBOX,Заявки`
        mailboxes = [m.strip() for m in mailboxes.split(",") if m.strip()]
    if not isinstance(mailboxes, list | tuple) or not all(isinstance(m, str) for m in mailboxes):
        raise AccountConfigError(f"email account {view.name!r}: config.mailboxes must be a list of names")
    return MailAccount(
        name=view.name,
        address=address,
        username=_text(config, "username") or address,
        password=view.secrets.get(PASSWORD, ""),
        imap_host=_text(config, "imap_host"),
        imap_port=_int(config, "imap_port", IMAP_PORTS[imap_security]),
        imap_security=imap_security,
        smtp_host=_text(config, "smtp_host"),
        smtp_port=_int(config, "smtp_port", SMTP_PORTS[smtp_security]),
        smtp_security=smtp_security,
        mailboxes=tuple(mailboxes),
        sent_folder=_text(config, "sent_folder"),
        from_name=_text(config, "from_name"),
        verify_tls=_flag(config, "verify_tls"),
        ca_file=_text(config, "ca_file"),
        start_from="new" if config.get("start_from") == "new" else "all",
        poll_interval_s=_seconds(config, "poll_interval_s", 60.0),
        idle_timeout_s=_seconds(config, "idle_timeout_s", 600.0),
        use_idle=_flag(config, "use_idle"),
    )


def _text(config: Mapping[str, object], key: str) -> str | None:
    value = config.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _int(config: Mapping[str, object], key: str, default: int) -> int:
    value = config.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise AccountConfigError(f"config.{key} must be a number")
    try:
        return int(value)
    except ValueError:
        raise AccountConfigError(f"config.{key} must be a number, got {value!r}") from None


def _seconds(config: Mapping[str, object], key: str, default: float) -> float:
    value = config.get(key, default)
    try:
        seconds = (
            float(value) if isinstance(value, int | float | str) and not isinstance(value, bool) else 0.0
        )
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise AccountConfigError(f"config.{key} must be a positive number of seconds, got {value!r}")
    return seconds


def _flag(config: Mapping[str, object], key: str) -> bool:
    """On unless switched off; the CLI gives strings ("false", "no", "0")."""
    value = config.get(key, True)
    return str(value).strip().lower() not in ("false", "no", "0", "off")


def _security(config: Mapping[str, object], key: str) -> Security:
    value = config.get(key, "tls")
    if value == "tls" or value == "starttls" or value == "plain":
        return value
    raise AccountConfigError(f"config.{key} must be tls, starttls or plain, got {value!r}")
