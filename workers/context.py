"""What every job gets in ctx["okno"]: the services built once per process by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from channels.base import AccountDirectory, ChannelAdapter, ChannelSender
from intake.policy import IntakePolicy
from storage.blob_links import BlobLinks
from storage.blobs import BlobStore
from storage.db import Database
from storage.types import utcnow
from workers.queue import JobQueue


@dataclass
class JobContext:
    db: Database
    queue: JobQueue
    policy: IntakePolicy
    parsers: Mapping[str, ChannelAdapter]
    senders: Mapping[str, ChannelSender]
    accounts: AccountDirectory
    blobs: BlobStore
    max_tries: int = 8
    sweep_min_age_s: float = 10.0
    outbox_stuck_after_s: float = 120.0  # see workers/outbound.py: a send older than this died mid-way
    clock: Callable[[], datetime] = utcnow
    # channel -> job run with the raw event id once that event is accepted (e.g. the client-side bot dialogue)
    after_ingest: Mapping[str, str] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    # public links to stored files (OKNO_HTTP__PUBLIC_URL set): how Viber gets a manager's file
    links: BlobLinks | None = None


def services(ctx: Mapping[str, Any]) -> JobContext:
    app = ctx["okno"]
    assert isinstance(app, JobContext)
    return app
