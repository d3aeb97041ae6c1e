"""What `okno listen` runs for WhatsApp: the templates read again from Meta once a day for every number with a
`waba_id`, so one approved, paused or disabled since is offered, or not, without anyone pressing «Обновить
шаблоны» (okno does not follow the `message_templates` webhook field)."""

from __future__ import annotations

import logging
from typing import Any

from channels.whatsapp.templates import WABA_ID, TemplateSyncError
from storage.crypto import SecretBox
from storage.repos.accounts import list_channel_accounts
from workers.context import JobContext
from workers.listeners import InboundLoop, PeriodicSweep
from workers.whatsapp_templates import sync_templates

log = logging.getLogger(__name__)
EVERY_S = 24 * 3600.0


async def whatsapp_loops(jobs: JobContext, box: SecretBox) -> list[InboundLoop]:
    async with jobs.db.session() as session:
        rows = await list_channel_accounts(session, active_only=True)
    ids = [row.id or 0 for row in rows if row.channel == "whatsapp" and row.config.get(WABA_ID)]
    if not ids:
        return []

    async def sync_all(_ctx: dict[str, Any]) -> int:
        done = 0
        for account_id in ids:
            try:
                found = await sync_templates(jobs.db, box, account_id)
            except TemplateSyncError as exc:  # one number's refusal: the others go on
                log.warning("whatsapp account %s: templates not read: %s", account_id, exc)
                continue
            done += 1
            log.info(
                "whatsapp account %s: %s templates, %s usable",
                account_id,
                len(found.items),
                len(found.usable),
            )
        return done

    return [PeriodicSweep("whatsapp-templates", sync_all, jobs, every_s=EVERY_S)]
