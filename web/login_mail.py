"""Invitation and password-reset links by email: composed here in the company's language, sent by SMTP from
the company's mailbox (an email channel account: OKNO_WEB__MAIL_ACCOUNT, else the first with SMTP). The web's
staff page and «Забыли пароль?» send them, and so does `okno staff invite-mail`."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from channels.base import AccountView, SendFailed
from channels.email.account import AccountConfigError, MailAccount, mail_account
from channels.email.send import submit_mail
from okno.services import Services
from okno.settings import Settings
from storage.crypto import SecretBox
from storage.db import Database
from storage.repos.accounts import list_channel_accounts
from storage.types import utcnow
from web.texts import text

log = logging.getLogger(__name__)
NO_MAILBOX = "no_mailbox"


async def staff_mailbox(db: Database, box: SecretBox, wanted: str | None) -> MailAccount | None:
    """The mailbox staff mail leaves from, or None when the company has none that can send."""
    async with db.session() as session:
        rows = await list_channel_accounts(session, active_only=True)
    for row in rows:
        if row.channel != "email" or (wanted and row.name != wanted):
            continue
        view = AccountView(row.channel, row.name, dict(row.config), box.open(row.secrets_encrypted))
        try:
            account = mail_account(view)
        except AccountConfigError:
            continue
        if account.smtp_host:
            return account
    return None


def link_base(settings: Settings) -> str | None:
    """The address staff open okno at, as configured (the web's pages fall back to the one in use)."""
    return settings.staffbot.web_url or settings.http.public_url


def link_mail(
    account: MailAccount,
    *,
    to: str,
    name: str,
    url: str,
    purpose: str,
    valid_for: timedelta,
    company: str,
    lang: str,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((account.from_name or company, account.address))
    mail["To"] = formataddr((name, to))
    mail["Subject"] = text(f"mail.{purpose}_subject", lang).format(company=company)
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = make_msgid(domain=account.domain)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: an out-of-office robot does not answer it
    hours = max(1, round(valid_for.total_seconds() / 3600))
    body = text(f"mail.{purpose}_body", lang).format(name=name, company=company, url=url, hours=hours)
    mail.set_content(body)
    return mail


async def mail_link(
    mailbox: MailAccount | None,
    settings: Settings,
    *,
    to: str,
    name: str,
    url: str,
    purpose: str,
    valid_for: timedelta,
) -> str:
    """ "" when the mail left, else why not (NO_MAILBOX, the server's refusal): the caller shows the link."""
    if mailbox is None:
        return NO_MAILBOX
    company = settings.company
    mail = link_mail(
        mailbox, to=to, name=name, url=url, purpose=purpose, valid_for=valid_for, company=company.name,
        lang=company.language,
    )  # fmt: skip
    try:
        await submit_mail(mailbox, mail.as_bytes(), to)
    except SendFailed as exc:
        log.warning(
            "login link mail to staff member not sent: %s", exc.reason
        )  # the address is personal data
        return exc.reason
    return ""


async def send_link(
    services: Services, *, to: str, name: str, url: str, purpose: str, valid_for: timedelta
) -> str:
    settings = services.settings
    mailbox = await staff_mailbox(services.db, services.box, settings.web.mail_account)
    return await mail_link(mailbox, settings, to=to, name=name, url=url, purpose=purpose, valid_for=valid_for)
