"""Builds the per-process services from settings: database, queue, accounts, parsers, senders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage
from arq.connections import RedisSettings, create_pool

from channels.api.parse import ApiAdapter
from channels.api.send import ApiSender
from channels.base import ChannelAdapter, ChannelSender
from channels.email.parse import EmailAdapter
from channels.email.send import EmailSender
from channels.telegram.parse import TelegramAdapter
from channels.telegram.send import TelegramSender
from channels.telephony.parse import TelephonyAdapter
from channels.viber.parse import ViberAdapter
from channels.viber.send import ViberSender
from channels.whatsapp.parse import WhatsAppAdapter
from channels.whatsapp.send import WhatsAppSender
from channels.whatsapp.window import CustomerWindow
from intake.policy import IntakePolicy
from okno.accounts import StoredAccounts
from okno.jobs import JOBS
from okno.keys import key_material, secret_box
from okno.settings import Settings
from storage.blob_links import BlobLinks
from storage.blobs import FileBlobStore
from storage.crypto import SecretBox, derive_key
from storage.db import Database
from workers.context import JobContext
from workers.ingest import StoringSink
from workers.queue import ArqQueue, InlineQueue, JobQueue
from workers.retention import RetentionPolicy
from workers.staff_delivery import FSM_STORAGE, close_staff_bots
from workers.staffbot_config import StaffBotSettings
from workers.viber import StoredReachable
from workers.whatsapp import StoredLastInbound


def parsers() -> dict[str, ChannelAdapter]:
    """Every channel parser this build has, by channel name (one line per channel)."""
    return {
        "api": ApiAdapter(),
        "email": EmailAdapter(),
        "telegram": TelegramAdapter(),
        "telephony": TelephonyAdapter(),
        "viber": ViberAdapter(),
        "whatsapp": WhatsAppAdapter(),
    }


def senders(
    db: Database, blobs: FileBlobStore, links: BlobLinks | None = None, *, language: str = "ru"
) -> dict[str, ChannelSender]:
    """Every channel sender this build has, by channel name, wired to what it reads (one per channel); the
    company's language for the few words a channel shows clients itself."""
    return {
        "api": ApiSender(),
        "email": EmailSender(blobs=blobs.get),
        "telegram": TelegramSender(blobs=blobs.get),
        "viber": ViberSender(reachable=StoredReachable(db), links=links.url if links else None),
        "whatsapp": WhatsAppSender(
            window=CustomerWindow(StoredLastInbound(db)), blobs=blobs, language=language
        ),
    }


def staffbot_of(settings: Settings) -> StaffBotSettings:
    """Links in staff bot messages point at the public URL unless the staff bot names its own."""
    cfg = settings.staffbot
    return cfg if cfg.web_url else cfg.model_copy(update={"web_url": settings.http.public_url})


def links_of(settings: Settings) -> BlobLinks | None:
    """Public links to stored files, where platforms can reach okno (OKNO_HTTP__PUBLIC_URL); none without."""
    if not settings.http.public_url:
        return None
    return BlobLinks(derive_key(key_material(settings), b"okno file links v1"), settings.http.public_url)


def retention_of(settings: Settings) -> RetentionPolicy:
    cfg = settings.retention
    return RetentionPolicy(
        recordings=timedelta(days=cfg.recordings_days) if cfg.recordings_days else None,
        raw_payloads=timedelta(days=cfg.raw_payloads_days) if cfg.raw_payloads_days else None,
    )


def policy_from(settings: Settings) -> IntakePolicy:
    return IntakePolicy(
        tz=settings.company.tz,
        region=settings.company.default_region,
        request_window=timedelta(hours=settings.intake.request_window_hours),
        sla_first_response=timedelta(minutes=settings.intake.sla_first_response_minutes),
        language=settings.company.language,
    )


@dataclass
class Services:
    settings: Settings
    db: Database
    box: SecretBox
    accounts: StoredAccounts
    queue: JobQueue
    sink: StoringSink
    jobs: JobContext
    senders: Mapping[str, ChannelSender] = field(default_factory=dict)

    async def close(self) -> None:
        await self.queue.close()
        await close_staff_bots(self.jobs)
        fsm = self.jobs.extras.get(FSM_STORAGE)
        if fsm is not None:
            await fsm.close()
        for sender in self.senders.values():
            closer: Any = getattr(sender, "close", None)
            if closer is not None:
                await closer()
        await self.db.dispose()

    @property
    def inline(self) -> InlineQueue | None:
        return self.queue if isinstance(self.queue, InlineQueue) else None


CHAT_STATE_TTL = timedelta(days=1)


async def build_services(settings: Settings, *, backend: str | None = None) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url)
    box = secret_box(settings)
    accounts = StoredAccounts(db, box)
    blobs = FileBlobStore(settings.data_dir / "blobs")
    links = links_of(settings)
    ctx: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    queue: JobQueue
    if (backend or settings.queue.backend) == "arq":
        redis = await create_pool(RedisSettings.from_dsn(settings.queue.redis_url))
        queue = ArqQueue(redis, prefix=settings.queue.prefix, installed=frozenset(JOBS))
        # Staff-bot chat state (the client a chat looks at, a field being edited) shared by every process:
        # with N servers behind a proxy, a chat's next update may reach another one.
        extras[FSM_STORAGE] = RedisStorage.from_url(
            settings.queue.redis_url,
            key_builder=DefaultKeyBuilder(prefix=f"{settings.queue.prefix}:staffbot"),
            state_ttl=CHAT_STATE_TTL,
            data_ttl=CHAT_STATE_TTL,
        )
    else:
        queue = InlineQueue(
            {name: job for name, (job, _q) in JOBS.items()}, ctx=ctx, max_tries=settings.queue.max_tries
        )
    jobs = JobContext(
        db=db,
        queue=queue,
        policy=policy_from(settings),
        parsers=parsers(),
        senders=senders(db, blobs, links, language=settings.company.language),
        accounts=accounts,
        blobs=blobs,
        max_tries=settings.queue.max_tries,
        sweep_min_age_s=settings.queue.sweep_min_age_s,
        outbox_stuck_after_s=settings.queue.outbox_stuck_after_s,
        after_ingest={"telegram": "client_bot_update"},
        links=links,
        extras={
            **extras,
            "telephony": settings.telephony,
            "llm": settings.llm,
            "data_dir": settings.data_dir,
            "staffbot": staffbot_of(settings),
            "retention": retention_of(settings),
        },
    )
    ctx["okno"] = jobs
    return Services(settings, db, box, accounts, queue, StoringSink(db, queue), jobs, jobs.senders)
