"""The sender against the loopback Bot API over real HTTP: splitting, topics, quoting, 429, 403, network."""

from __future__ import annotations

import asyncio
import time

import pytest

from channels.base import SendFailed
from channels.telegram.send import TelegramSender
from channels.telegram.split import MAX_MESSAGE, split_text
from intake.schema import AttachmentRef, OutboundMessage
from tests.channels.telegram.conftest import Sandbox, account_view
from tests.conftest import start_app

CHAT = 5011


def outbound(text: str | None = "Готово", **fields: object) -> OutboundMessage:
    values: dict[str, object] = {"conversation_key": str(CHAT), "outbox_id": 1, "text": text, **fields}
    return OutboundMessage(channel="telegram", account="clients", **values)


@pytest.fixture
async def sender() -> TelegramSender:
    return TelegramSender()


async def test_long_text_is_split_at_paragraphs_and_all_parts_arrive(
    tg: Sandbox, sender: TelegramSender
) -> None:
    paragraphs = [f"Пункт {i}. " + "слово " * 300 for i in range(6)]
    text = "\n\n".join(paragraphs)
    try:
        result = await sender.send(account_view(tg.url), outbound(text, reply_to_key=f"{CHAT}:9"))
    finally:
        await sender.close()
    sent = tg.api.sent("sendMessage")
    assert len(sent) > 1 and all(len(p["text"]) <= MAX_MESSAGE for p in sent)
    assert all(p["text"].startswith("Пункт") for p in sent)  # every cut fell on a paragraph boundary
    assert "".join("".join(p["text"] for p in sent).split()) == "".join(text.split())  # nothing lost
    assert sent[0]["reply_parameters"]["message_id"] == 9 and "reply_parameters" not in sent[1]
    assert result.platform_message_id == f"{CHAT}:1001"


def test_split_without_boundaries_cuts_hard_and_loses_nothing() -> None:
    text = "я" * (MAX_MESSAGE * 2 + 10)
    parts = split_text(text)
    assert [len(p) for p in parts] == [MAX_MESSAGE, MAX_MESSAGE, 10] and "".join(parts) == text


async def test_topic_reply_and_files(tg: Sandbox, sender: TelegramSender) -> None:
    doc = tg.api.add_file(b"%PDF-1.4 act")
    message = outbound(
        "Акт во вложении",
        conversation_key="-1001500100:30",
        attachments=(AttachmentRef(kind="document", file_id=doc), AttachmentRef(kind="image", file_id=doc)),
    )
    try:
        await sender.send(account_view(tg.url), message)
    finally:
        await sender.close()
    calls = [(c.method, int(c.params["chat_id"]), int(c.params["message_thread_id"])) for c in tg.api.calls]
    assert calls == [(m, -1001500100, 30) for m in ("sendMessage", "sendDocument", "sendPhoto")]


async def test_429_gives_retry_after(tg: Sandbox, sender: TelegramSender) -> None:
    tg.api.fail_next("sendMessage", 429, "Too Many Requests: retry after 17", retry_after=17)
    with pytest.raises(SendFailed) as failed:
        await sender.send(account_view(tg.url), outbound())
    await sender.close()
    assert failed.value.retry_after == 17 and "429" in failed.value.reason
    assert tg.api.sent("sendMessage") == []


async def test_403_blocked_is_final_with_the_reason(tg: Sandbox, sender: TelegramSender) -> None:
    tg.api.blocked_chats.add(CHAT)
    with pytest.raises(SendFailed) as failed:
        await sender.send(account_view(tg.url), outbound())
    await sender.close()
    assert failed.value.retry_after is None and "bot was blocked by the user" in failed.value.reason
    assert len([c for c in tg.api.calls if c.method == "sendMessage"]) == 1  # no retry


async def test_server_errors_are_retried_then_sent_once(tg: Sandbox, sender: TelegramSender) -> None:
    tg.api.fail_next("sendMessage", 502, "Bad Gateway")
    await sender.send(account_view(tg.url), outbound())
    await sender.close()
    assert [c.ok for c in tg.api.calls] == [False, True] and len(tg.api.sent("sendMessage")) == 1


async def test_unreachable_api_is_a_retryable_failure(sender: TelegramSender) -> None:
    from sandbox.telegram import TelegramSandbox

    stand_in = TelegramSandbox()
    runner, url = await start_app(stand_in.app())
    await runner.cleanup()  # nothing listens there any more: connection refused
    with pytest.raises(SendFailed) as failed:
        await sender.send(account_view(url), outbound())
    await sender.close()
    assert failed.value.retry_after is not None and "network" in failed.value.reason


async def test_sends_to_many_chats_at_once_are_spaced_under_the_bots_rate(tg: Sandbox) -> None:
    """A broadcast queues its copies together: the sender spaces them (10 a second here, 25 by default)
    rather than let Telegram answer 429 to a burst. Only a lower bound is checked: a slow machine only spaces
    them more."""
    sender = TelegramSender(per_second=10)
    started = time.monotonic()
    try:
        await asyncio.gather(
            *(
                sender.send(account_view(tg.url), outbound(f"Копия {n}", conversation_key=str(5100 + n)))
                for n in range(4)
            )
        )
    finally:
        await sender.close()
    assert time.monotonic() - started >= 0.3  # four calls, three intervals of 0.1 s
    assert sorted(p["text"] for p in tg.api.sent("sendMessage")) == [f"Копия {n}" for n in range(4)]
