"""Attachments come into blob storage through getFile + download on the loopback Bot API; files over the
20 MB limit keep their file_id; the same bytes twice are one blob."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from channels.telegram.polling import PollingLoop
from storage.models import Attachment
from storage.repos.accounts import add_channel_account
from tests.channels.telegram.conftest import TOKEN, TelegramLive, account_view
from tests.channels.telegram.updates import message
from workers.listeners import PeriodicSweep
from workers.telegram_files import fetch_telegram_files, sweep_telegram_files
from workers.telegram_listen import WebhookRegistration, telegram_loops

pytestmark = pytest.mark.storage
BIG = 25 * 1024 * 1024


def doc(file_id: str, name: str, size: int | None) -> dict[str, object]:
    body: dict[str, object] = {"file_id": file_id, "file_unique_id": file_id[-6:], "file_name": name}
    return body | ({"file_size": size} if size is not None else {})


async def attachments(live: TelegramLive) -> list[Attachment]:
    async with live.services.db.session() as session:
        return list((await session.execute(select(Attachment).order_by(col(Attachment.id)))).scalars().all())


async def test_files_are_fetched_deduplicated_and_big_ones_kept_as_file_ids(tg_live: TelegramLive) -> None:
    api = tg_live.sandbox
    invoice = api.add_file(b"%PDF-1.7 invoice 7707083893")
    same_bytes = api.add_file(b"%PDF-1.7 invoice 7707083893")
    huge_known = api.add_file(b"video", size=BIG)
    huge_unknown = api.add_file(b"archive", size=BIG)
    files = [
        (invoice, "Счёт.pdf", 27),
        (same_bytes, "Счёт (копия).pdf", 27),
        (huge_known, "Видео.mp4", BIG),
        (huge_unknown, "Архив.zip", None),
    ]
    for update_id, (file_id, name, size) in enumerate(files, start=1):
        body = {"update_id": update_id, "message": message(update_id, document=doc(file_id, name, size))}
        assert await tg_live.post_update(body) == 200
    await tg_live.drain()  # ingest asks for the files (fetch_attachments follow-up): no sweep needed
    ctx = {"okno": tg_live.services.jobs}
    for row in await attachments(tg_live):
        await fetch_telegram_files(ctx, row.message_id)  # again: already fetched ones are not fetched twice
    rows = {r.filename: r for r in await attachments(tg_live)}
    first, copy = rows["Счёт.pdf"].blob_sha256, rows["Счёт (копия).pdf"].blob_sha256
    assert first and first == copy
    assert await tg_live.services.jobs.blobs.get(first) == b"%PDF-1.7 invoice 7707083893"
    kept = [(rows[n].blob_sha256, rows[n].platform_ref) for n in ("Видео.mp4", "Архив.zip")]
    assert kept == [(None, huge_known), (None, huge_unknown)]
    assert all(rows[n].fetch_note for n in ("Видео.mp4", "Архив.zip"))  # marked, so no one asks again
    assert rows["Счёт.pdf"].fetch_note is None
    assert len([c for c in api.calls if c.method == "getFile"]) == 3  # 2 fetched + 1 refused as too big
    assert await sweep_telegram_files(ctx) == 0  # nothing left worth asking for


async def test_listen_builds_the_loops_and_sets_the_webhook(tg_live: TelegramLive) -> None:
    services = tg_live.services
    polling = account_view(str(tg_live.account.config["api_base"]), mode="polling")
    async with services.db.session() as session:
        await add_channel_account(
            session,
            box=services.box,
            channel="telegram",
            name="second",
            config=dict(polling.config),
            secrets={"bot_token": "987654:OTHERTOKENOTHERTOKEN"},
        )
        await session.commit()
    loops = await telegram_loops(services.jobs, services.box, "https://okno.example.ru/")
    kinds = sorted(type(loop).__name__ for loop in loops)
    assert kinds == sorted([PollingLoop.__name__, WebhookRegistration.__name__, PeriodicSweep.__name__])
    registration = next(loop for loop in loops if isinstance(loop, WebhookRegistration))
    pool = tg_live.services.jobs.senders["telegram"].pool  # type: ignore[attr-defined]
    assert await registration.register(pool) == 1
    bot = tg_live.sandbox.bots[TOKEN]
    assert bot.webhook_url == "https://okno.example.ru/telegram/clients/webhook"
    assert bot.webhook_secret == tg_live.account.secrets["webhook_secret"]
    [call] = tg_live.sandbox.sent("setWebhook")
    assert "message_reaction" in call["allowed_updates"]
