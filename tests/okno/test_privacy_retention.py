"""Retention: recordings and raw payloads older than the configured periods are removed by the registered
`enforce_retention` job (arq cron on the io queue; a loop in `okno serve` with the inline backend); newer
ones, unprocessed raw events and files shared with newer calls stay; each pass is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from okno.jobs import JOBS
from okno.services import Services, build_services
from okno.settings import Settings
from storage.models import AuditLog, Call, Conversation, Message, RawEvent
from storage.repos.clients import add_contact
from storage.types import utcnow
from tests.conftest import make_settings
from workers.retention import RetentionPolicy, enforce_retention
from workers.settings import build_workers

pytestmark = pytest.mark.storage


async def _call(services: Services, key: str, ended_days_ago: float, recording: str) -> int:
    async with services.db.session() as session:
        contact = await add_contact(session, display_name=None, phone=None, email=None)
        conversation = Conversation(
            channel="telephony", account="pbx", conversation_key=key, contact_id=contact.id or 0
        )
        session.add(conversation)
        await session.flush()
        message = Message(
            conversation_id=conversation.id or 0,
            channel="telephony",
            account="pbx",
            message_key=key,
            direction="inbound",
            kind="call",
            sent_at=utcnow(),
        )
        session.add(message)
        await session.flush()
        ended = utcnow() - timedelta(days=ended_days_ago)
        call = Call(
            message_id=message.id or 0,
            direction="inbound",
            ended_at=ended,
            recording_sha256=recording,
            recording_ref=f"https://pbx/{key}.wav",
            transcript_status="done",
        )
        session.add(call)
        await session.commit()
        return call.id or 0


async def _raw(services: Services, status: str, days_ago: float) -> int:
    async with services.db.session() as session:
        raw = RawEvent(
            channel="api",
            account="site",
            body=b'{"text": "old"}',
            status=status,
            received_at=utcnow() - timedelta(days=days_ago),
            headers={"Content-Type": "application/json"},
        )
        session.add(raw)
        await session.commit()
        return raw.id or 0


async def test_old_recordings_and_raw_payloads_go_new_ones_stay(services: Services) -> None:
    services.jobs.extras["retention"] = RetentionPolicy(
        recordings=timedelta(days=30), raw_payloads=timedelta(days=7)
    )
    blobs = services.jobs.blobs
    old_file, shared_file = await blobs.put(b"old call audio"), await blobs.put(b"same audio in two calls")
    old = await _call(services, "c-old", 40, old_file)
    old_shared = await _call(services, "c-old-shared", 40, shared_file)
    new = await _call(services, "c-new", 5, shared_file)
    raws = {
        status: await _raw(services, status, 10) for status in ("accepted", "anomalous", "pending", "failed")
    }
    fresh = await _raw(services, "accepted", 1)
    assert await enforce_retention({"okno": services.jobs}) == {"recordings": 2, "raw_payloads": 2}
    async with services.db.session() as session:
        calls = {c.id: c for c in (await session.execute(select(Call))).scalars()}
        assert calls[old].recording_sha256 is None and calls[old].recording_ref is None
        assert calls[old_shared].recording_sha256 is None and calls[new].recording_sha256 == shared_file
        assert calls[old].transcript_status == "done"  # the transcript and the call row stay
        bodies = {r.id: (r.body, r.headers) for r in (await session.execute(select(RawEvent))).scalars()}
        actions = (
            (await session.execute(select(AuditLog.action).where(col(AuditLog.actor_kind) == "system")))
            .scalars()
            .all()
        )
    assert not await blobs.exists(old_file) and await blobs.exists(shared_file)
    assert bodies[raws["accepted"]][0] == b"" and "X-Okno-Purged" in bodies[raws["accepted"]][1]
    assert bodies[raws["anomalous"]][0] == b""
    assert all(bodies[raws[s]][0] != b"" for s in ("pending", "failed")) and bodies[fresh][0] != b""
    assert {"retention.recordings", "retention.raw_payloads"} <= set(actions)
    assert await enforce_retention({"okno": services.jobs}) == {"recordings": 0, "raw_payloads": 0}


async def test_nothing_is_removed_unless_configured(services: Services) -> None:
    assert services.jobs.extras["retention"] == RetentionPolicy()  # the default keeps everything
    await _raw(services, "accepted", 3650)
    assert await enforce_retention({"okno": services.jobs}) == {"recordings": 0, "raw_payloads": 0}


async def test_the_job_is_registered_and_scheduled(settings: Settings, tmp_path: object, db_url: str) -> None:
    assert JOBS["enforce_retention"] == (enforce_retention, "io")
    configured = make_settings(tmp_path, db_url, retention={"recordings_days": 90, "raw_payloads_days": 30})  # type: ignore[arg-type]
    built = await build_services(configured)
    try:
        assert built.jobs.extras["retention"] == RetentionPolicy(timedelta(days=90), timedelta(days=30))
        [worker] = build_workers(
            built.jobs, jobs=JOBS, redis_url="redis://127.0.0.1:6379/0", prefix="t", queues=("io",)
        )
        assert any(c.name == "cron:t:retention" for c in worker.cron_jobs)
    finally:
        await built.close()
