"""What `okno listen` runs for email: one IMAP loop per active email account with an imap_host."""

from __future__ import annotations

import logging

from channels.base import AccountView
from channels.email.account import AccountConfigError, mail_account
from channels.email.imap import ImapLoop
from storage.crypto import SecretBox
from storage.repos.accounts import list_channel_accounts
from workers.context import JobContext
from workers.email_cursors import DatabaseCursors
from workers.email_parts import part_sweep
from workers.listeners import InboundLoop

log = logging.getLogger(__name__)


async def email_loops(jobs: JobContext, box: SecretBox) -> list[InboundLoop]:
    """One IMAP loop per account with an imap_host, and the sweep that moves attachments into blobs."""
    db = jobs.db
    async with db.session() as session:
        rows = await list_channel_accounts(session, active_only=True)
    cursors = DatabaseCursors(db)
    loops: list[InboundLoop] = []
    for row in rows:
        if row.channel != "email":
            continue
        view = AccountView(row.channel, row.name, dict(row.config), box.open(row.secrets_encrypted))
        try:
            account = mail_account(view)
        except AccountConfigError as exc:
            log.warning("email account %s not listened to: %s", row.name, exc)
            continue
        if account.imap_host:
            loops.append(ImapLoop(account, cursors))
    return [*loops, part_sweep(jobs)] if loops else []
