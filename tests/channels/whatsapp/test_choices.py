"""The answers a client may tap (OutboundMessage.choices) through WhatsAppSender and the loopback Graph API:
a text with them goes as reply buttons or a list, the stand-in refuses what Meta refuses, a text with files
keeps them plain, and the client's tap comes back signed as WhatsApp sends it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from channels.base import RawPayload
from channels.whatsapp.parse import WhatsAppAdapter
from channels.whatsapp.send import WhatsAppSender
from intake.schema import AttachmentRef, OutboundMessage
from sandbox.whatsapp import GraphApiStandIn
from storage.blobs import FileBlobStore
from tests.channels.whatsapp.conftest import account_of
from tests.conftest import start_app

WA_ID = "79161234567"
ASK = "Заявка #7 выполнена. Оцените, пожалуйста, нашу работу от 1 до 5"


def outbound(text: str, choices: tuple[str, ...], **extra: Any) -> OutboundMessage:
    return OutboundMessage(
        channel="whatsapp",
        account="main",
        conversation_key=WA_ID,
        outbox_id=1,
        text=text,
        choices=choices,
        **extra,
    )


async def test_the_rating_goes_as_a_list_to_tap(sender: WhatsAppSender, open_window: GraphApiStandIn) -> None:
    message = outbound(ASK, ("1", "2", "3", "4", "5"), reply_to_key="wamid.IN1")
    result = await sender.send(account_of(open_window), message)
    [sent] = open_window.sent
    assert result.platform_message_id == sent["_wamid"]
    assert (sent["type"], sent["context"]) == ("interactive", {"message_id": "wamid.IN1"})
    assert sent["interactive"] == {
        "type": "list",
        "body": {"text": ASK},
        "action": {"button": "Выбрать", "sections": [{"rows": [{"id": c, "title": c} for c in "12345"]}]},
    }


async def test_two_answers_go_as_reply_buttons(sender: WhatsAppSender, open_window: GraphApiStandIn) -> None:
    await sender.send(account_of(open_window), outbound("Акт подписан?", ("Да", "Нет")))
    [sent] = open_window.sent
    assert sent["interactive"]["type"] == "button"
    assert [b["reply"]["title"] for b in sent["interactive"]["action"]["buttons"]] == ["Да", "Нет"]


async def test_the_list_button_speaks_the_companys_language(open_window: GraphApiStandIn) -> None:
    sender = WhatsAppSender(language="en")
    try:
        await sender.send(account_of(open_window), outbound("Rate us from 1 to 5", tuple("12345")))
    finally:
        await sender.close()
    assert open_window.sent[0]["interactive"]["action"]["button"] == "Choose"


async def test_ten_answers_are_a_list_and_eleven_plain_text(
    sender: WhatsAppSender, open_window: GraphApiStandIn
) -> None:
    hours = tuple(f"{h}:00" for h in range(8, 19))
    await sender.send(account_of(open_window), outbound("Выберите час", hours[:10]))
    await sender.send(account_of(open_window), outbound("Выберите час", hours))  # past a list's ten
    listed, plain = open_window.sent
    assert (
        listed["type"] == "interactive" and len(listed["interactive"]["action"]["sections"][0]["rows"]) == 10
    )
    assert (plain["type"], plain["text"]["body"]) == ("text", "Выберите час")


async def test_with_files_the_answers_stay_in_the_text(open_window: GraphApiStandIn, tmp_path: Path) -> None:
    blobs = FileBlobStore(tmp_path / "blobs")
    ref = AttachmentRef(kind="voice", mime="audio/ogg", blob_key=await blobs.put(b"OggS voice"))
    sender = WhatsAppSender(blobs=blobs)
    try:
        await sender.send(account_of(open_window), outbound("Подходит?", ("Да", "Нет")))
        await sender.send(account_of(open_window), outbound("Подходит?", ("Да", "Нет"), attachments=(ref,)))
    finally:
        await sender.close()
    alone, text, voice = open_window.sent
    assert (alone["type"], text["type"], voice["type"]) == ("interactive", "text", "audio")


async def _post(graph: GraphApiStandIn, body: dict[str, Any]) -> dict[str, Any]:
    url = f"{graph.base_url}/v21.0/{graph.phone_number_id}/messages"
    headers = {"Authorization": f"Bearer {graph.access_token}"}
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as resp:
        assert resp.status == 400
        error: dict[str, Any] = (await resp.json())["error"]
    return error


def _interactive(kind: str, action: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": WA_ID,
        "type": "interactive",
        "interactive": {"type": kind, "body": {"text": "Выберите"}, "action": action},
    }


def _buttons(*titles: str) -> dict[str, Any]:
    return {"buttons": [{"type": "reply", "reply": {"id": str(n), "title": t}} for n, t in enumerate(titles)]}


def _list(*titles: str) -> dict[str, Any]:
    rows = [{"id": str(n), "title": t} for n, t in enumerate(titles)]
    return {"button": "Выбрать", "sections": [{"rows": rows}]}


@pytest.mark.parametrize(
    ("kind", "action", "details"),
    [
        ("button", _buttons("x" * 21), "Button title length invalid. Min length: 1, Max length: 20"),
        (
            "button",
            _buttons("1", "2", "3", "4"),
            "Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3",
        ),
        ("list", _list(*"abcdefghijk"), "Total row count exceed max allowed count: 10"),
        ("list", _list("y" * 25), "Row title length invalid. Min length: 1, Max length: 24"),
        (
            "list",
            {**_list("1"), "button": "z" * 21},
            "Button text length invalid. Min length: 1, Max length: 20",
        ),
    ],
)
async def test_the_stand_in_refuses_what_meta_refuses(
    open_window: GraphApiStandIn, kind: str, action: dict[str, Any], details: str
) -> None:
    error = await _post(open_window, _interactive(kind, action))
    assert (error["code"], error["message"]) == (131009, "(#131009) Parameter value is not valid")
    assert error["error_data"] == {"messaging_product": "whatsapp", "details": details}
    assert open_window.sent == [] and open_window.refused[0]["code"] == 131009


@pytest.mark.parametrize(
    ("choices", "reply"), [(("Да", "Нет"), "button_reply"), (tuple("12345"), "list_reply")]
)
async def test_the_clients_tap_comes_back_as_whatsapp_sends_it(
    sender: WhatsAppSender, open_window: GraphApiStandIn, choices: tuple[str, ...], reply: str
) -> None:
    received: list[bytes] = []

    async def webhook(request: web.Request) -> web.Response:
        received.append(await request.read())
        assert request.headers["X-Hub-Signature-256"] == open_window.sign(received[-1])
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", webhook)
    runner, url = await start_app(app)
    open_window.webhook_url = f"{url}/hook"
    try:
        ours = (await sender.send(account_of(open_window), outbound("Выберите", choices))).platform_message_id
        assert ours is not None
        with pytest.raises(LookupError):
            await open_window.client_taps(WA_ID, "Ирина", ours, "6")  # only what is shown can be tapped
        tap = await open_window.client_taps(WA_ID, "Ирина", ours, choices[1])
    finally:
        await runner.cleanup()
    [item] = json.loads(received[-1])["entry"][0]["changes"][0]["value"]["messages"]
    assert item["id"] == tap and item["type"] == "interactive"
    assert item["interactive"] == {"type": reply, reply: {"id": choices[1], "title": choices[1]}}
    assert item["context"] == {"from": open_window.display_phone_number, "id": ours}
    [parsed] = WhatsAppAdapter().parse(RawPayload(account="main", body=received[-1]))
    assert (parsed.text, parsed.reply_to_key) == (choices[1], ours)  # okno reads the tap as the answer
