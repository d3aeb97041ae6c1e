"""The sender against the loopback Viber API: bodies Viber accepts (long text cut at 7,000 characters, files
by link, the rating's answers as a reply keyboard) and Viber's statuses mapped to retry or give up."""

from __future__ import annotations

import pytest
from aiohttp import web

from channels.base import AccountView, SendFailed
from channels.viber.send import ViberSender
from intake.schema import AttachmentRef, OutboundMessage
from okno.services import Services
from sandbox.viber import ViberApiStandIn
from tests.channels.viber.conftest import account_of
from tests.conftest import start_app
from workers.viber import StoredReachable

USER = "R8nC6u6Yh0XkHtwjvQ0xqg=="


def outbound(text: str | None = "Ответ", **fields: object) -> OutboundMessage:
    return OutboundMessage(
        channel="viber",
        account="main",
        conversation_key=USER,
        outbox_id=1,
        text=text,
        **fields,
    )


@pytest.fixture
def subscribed(viber: ViberApiStandIn) -> ViberApiStandIn:
    viber.subscribers.add(USER)
    viber.webhook_url = "http://127.0.0.1:9/viber/main/webhook"  # set once; never called by send_message
    return viber


async def send(
    viber: ViberApiStandIn, message: OutboundMessage, account: AccountView | None = None
) -> str | None:
    sender = ViberSender(backoff_s=1.0)
    try:
        return (await sender.send(account or account_of(viber), message)).platform_message_id
    finally:
        await sender.close()


async def test_long_text_goes_in_parts_of_at_most_7000(subscribed: ViberApiStandIn) -> None:
    text = ("Пункт договора. " * 500).strip() + "\n\n" + "Итог: " + "x" * 100
    token = await send(subscribed, outbound(text))
    parts = [s["text"] for s in subscribed.sent]
    assert len(parts) == 2 and all(len(p) <= 7000 for p in parts) and token == subscribed.sent[0]["_token"]
    assert " ".join(parts).replace("\n\n", " ").split() == text.replace("\n\n", " ").split()


async def test_choices_become_a_reply_keyboard(subscribed: ViberApiStandIn) -> None:
    await send(subscribed, outbound("Оцените работу от 1 до 5", choices=("1", "2", "3", "4", "5")))
    [sent] = subscribed.sent
    buttons = sent["keyboard"]["Buttons"]
    assert [(b["ActionType"], b["ActionBody"], b["Text"]) for b in buttons] == [
        ("reply", c, c) for c in "12345"
    ]
    assert sum(b["Columns"] for b in buttons) <= 6


async def test_files_go_by_link(subscribed: ViberApiStandIn) -> None:
    photo = AttachmentRef(kind="image", url="https://files.example.ru/act.jpg")
    await send(subscribed, outbound("Фото акта", attachments=(photo,)))
    doc = AttachmentRef(kind="document", url="https://files.example.ru/a.pdf", size=1200, filename="акт.pdf")
    await send(subscribed, outbound("Акт во вложении", attachments=(doc,)))
    picture, text, file = subscribed.sent
    assert (picture["type"], picture["media"], picture["text"]) == ("picture", photo.url, "Фото акта")
    assert (text["type"], text["text"]) == ("text", "Акт во вложении")
    assert (file["type"], file["file_name"], file["size"]) == ("file", "акт.pdf", 1200)


async def test_what_viber_cannot_show_inline_goes_as_a_file(subscribed: ViberApiStandIn) -> None:
    """A picture is JPEG, PNG or GIF up to 1 MB, a video MP4 up to 26 MB; anything else is a file."""
    small = AttachmentRef(kind="image", mime="image/jpeg", size=500_000, url="https://f.example.ru/a.jpg")
    tiff = AttachmentRef(kind="image", mime="image/tiff", size=500_000, url="https://f.example.ru/scan.tiff")
    mov = AttachmentRef(kind="video", mime="video/quicktime", size=9_000, url="https://f.example.ru/v.mov")
    mp4 = AttachmentRef(kind="video", mime="video/mp4", size=9_000, url="https://f.example.ru/v.mp4")
    for ref in (small, tiff, mov, mp4):
        await send(subscribed, outbound(None, attachments=(ref,)))
    assert [s["type"] for s in subscribed.sent] == ["picture", "file", "file", "video"]
    assert subscribed.sent[1]["file_name"] == "scan.tiff"


async def test_a_file_only_okno_holds_is_refused_for_good(subscribed: ViberApiStandIn) -> None:
    ref = AttachmentRef(kind="document", blob_key="ab" * 32, filename="счёт.pdf")
    with pytest.raises(SendFailed) as refused:
        await send(subscribed, outbound(None, attachments=(ref,)))
    assert refused.value.retry_after is None and "«счёт.pdf»" in refused.value.reason
    assert subscribed.sent == []


@pytest.mark.parametrize(
    ("status", "retried", "unreachable", "words"),
    [
        (5, False, True, "больше не пользуется Viber"),
        (6, False, True, "отписался от бота"),
        (12, True, False, "ограничил частоту"),
        (2, False, False, "auth_token"),
        (10, False, False, "вебхук"),
        (7, False, False, "7 publicAccountBlocked"),
    ],
)
async def test_viber_statuses_are_mapped(
    subscribed: ViberApiStandIn, status: int, retried: bool, unreachable: bool, words: str
) -> None:
    subscribed.fail_next = [status]
    with pytest.raises(SendFailed) as refused:
        await send(subscribed, outbound())
    failed = refused.value
    assert (failed.retry_after is not None, failed.unreachable) == (retried, unreachable)
    assert words in failed.reason


async def test_rate_limit_backoff_grows(subscribed: ViberApiStandIn) -> None:
    sender = ViberSender(backoff_s=1.0)
    subscribed.fail_next = [12, 12]
    waits = []
    for _ in range(2):
        with pytest.raises(SendFailed) as refused:
            await sender.send(account_of(subscribed), outbound())
        waits.append(refused.value.retry_after)
    await sender.close()
    assert waits == [2.0, 4.0]


async def test_a_server_error_that_is_not_vibers_json_is_retried() -> None:
    async def down(_request: web.Request) -> web.Response:
        return web.Response(status=502, text="Bad Gateway")

    app = web.Application()
    app.router.add_post("/pa/send_message", down)
    runner, url = await start_app(app)
    sender = ViberSender()
    try:
        view = AccountView("viber", "main", {"api_url": f"{url}/pa"}, {"auth_token": "t"})
        with pytest.raises(SendFailed) as refused:
            await sender.send(view, outbound())
    finally:
        await sender.close()
        await runner.cleanup()
    assert refused.value.retry_after is not None and "HTTP 502" in refused.value.reason


async def test_an_account_without_a_token_is_refused(viber: ViberApiStandIn) -> None:
    view = AccountView("viber", "main", {"api_url": f"{viber.base_url}/pa"}, {})
    with pytest.raises(SendFailed, match="needs the secret auth_token"):
        await send(viber, outbound(), view)


def test_the_composition_root_reads_who_unsubscribed(services: Services) -> None:
    sender = services.senders["viber"]
    assert isinstance(sender, ViberSender) and isinstance(sender.reachable, StoredReachable)
