"""Saved replies («быстрые ответы»): a supervisor writes them once, every manager sends them — picked above
the reply box or typed as «/код» — with the client's name, the request's number, the company and the sender
put in; nothing half-filled or mistyped reaches the client, and the typed text comes back to be mended."""

from __future__ import annotations

import html
from collections.abc import Awaitable

import aiohttp
import pytest
from sqlmodel import col, select

from storage.models import AuditLog, Message, PersonalReply, SavedReply
from tests.web.conftest import Seeded, SignIn

pytestmark = pytest.mark.storage

HOURS = "{Имя}, здравствуйте! Работаем с 9 до 18. Заявка #{номер} ({компания}) у меня. {менеджер}"


async def _answer(posted: Awaitable[aiohttp.ClientResponse]) -> tuple[int, str]:
    resp = await posted
    return resp.status, await resp.text()


async def _outbound(seeded: Seeded, request_id: int) -> list[str]:
    async with seeded.live.services.db.session() as session:
        query = select(Message).where(
            col(Message.request_id) == request_id, col(Message.direction) == "outbound"
        )
        return [m.text or "" for m in (await session.execute(query)).scalars()]


async def test_a_supervisor_writes_saved_replies_and_a_manager_only_reads_them(
    seeded: Seeded, sign_in: SignIn
) -> None:
    viktor = await sign_in("viktor@example.ru")
    status, page = await viktor.get("/ui/replies")
    assert status == 200 and 'id="reply-form"' in page and "Быстрых ответов пока нет" in page
    refused = {
        ("две строки", HOURS): "«две строки» не подходит",
        ("hours", "Добрый день, {клиент}!"): "Подстановки {клиент} нет. Есть {имя}, {номер}, {компания}",
        ("hours", "   "): "Напишите текст ответа.",
    }
    for (code, text), notice in refused.items():
        await viktor.post("/ui/replies", {"code": code, "text": text})
        _, page = await viktor.get("/ui/replies")
        assert html.escape(notice, quote=False) in page and "<code>/" not in page
    await viktor.post("/ui/replies", {"code": "/Часы", "text": HOURS})
    await viktor.post("/ui/replies", {"code": "реквизиты", "text": "ИНН 7707083893"})
    _, page = await viktor.get("/ui/replies")
    assert "Быстрый ответ /реквизиты сохранён." in page
    assert page.index("<code>/реквизиты</code>") < page.index("<code>/часы</code>")
    await viktor.post("/ui/replies", {"code": "часы", "text": HOURS.replace("18", "19")})  # the same code
    async with seeded.live.services.db.session() as session:
        rows = (await session.execute(select(SavedReply).order_by(col(SavedReply.code)))).scalars().all()
        actions = (
            await session.execute(
                select(AuditLog.action).where(AuditLog.entity == "saved_reply").order_by(col(AuditLog.id))
            )
        ).all()
    assert [(r.code, r.author_id) for r in rows] == [
        ("реквизиты", seeded.supervisor_id),
        ("часы", seeded.supervisor_id),
    ]
    assert "с 9 до 19" in rows[1].text
    assert [a for (a,) in actions] == ["saved_reply.add", "saved_reply.add", "saved_reply.edit"]
    _, editing = await viktor.get("/ui/replies?edit=часы")
    assert "с 9 до 19" in editing.split('id="reply-form"', 1)[1] and 'value="часы"' in editing
    anna = await sign_in("anna@example.ru")
    status, page = await anna.get("/ui/replies")
    assert status == 200 and "<code>/часы</code>" in page and 'id="reply-form"' not in page
    assert 'href="/ui/replies"' in page  # in every member's menu
    assert (await anna.post("/ui/replies", {"code": "мой", "text": "Мой ответ"})).status == 403
    assert (await anna.post(f"/ui/replies/{rows[0].id}/delete", {})).status == 403
    assert (await viktor.post(f"/ui/replies/{rows[0].id}/delete", {})).status == 303
    _, page = await viktor.get("/ui/replies")
    assert "<code>/реквизиты</code>" not in page and "Быстрый ответ /реквизиты удалён." in page


async def test_a_manager_sends_a_saved_reply_filled_in_for_the_request(
    seeded: Seeded, sign_in: SignIn
) -> None:
    viktor = await sign_in("viktor@example.ru")
    await viktor.get("/ui/replies")
    await viktor.post("/ui/replies", {"code": "часы", "text": HOURS})
    anna = await sign_in("anna@example.ru")
    own = f"/ui/requests/{seeded.own_request_id}"
    filled = (
        "Ольга Смирнова, здравствуйте! Работаем с 9 до 18. "
        f"Заявка #{seeded.own_request_id} (ООО «Ромашка») у меня. Анна"
    )
    _, page = await anna.get(own)
    picker = page.split('id="saved-replies"', 1)[1].split("</select>", 1)[0]
    assert f'data-text="{html.escape(filled)}"' in picker and ">/часы — " in picker
    assert (await anna.post(f"{own}/reply", {"text": " /часы "})).status == 303
    await seeded.live.drain()
    assert await _outbound(seeded, seeded.own_request_id) == [filled]
    assert any(filled in str(item) for item in seeded.live.receiver.received)
    # a typo: nothing sent, the page again with the text in its box and the reason
    status, page = await _answer(anna.post(f"{own}/reply", {"text": "/чсы"}))
    assert status == 422 and "Быстрого ответа /чсы нет, ответ не отправлен." in page
    assert ">/чсы</textarea>" in page
    # placeholders written by hand are filled as well; words that merely begin with «/» go as written
    await anna.post(f"{own}/reply", {"text": "Ольга, пришлём к пятнице. {менеджер}"})
    assert (await anna.post(f"{own}/reply", {"text": "/ 2 экземпляра, как договаривались"})).status == 303
    await seeded.live.drain()
    assert (await _outbound(seeded, seeded.own_request_id))[1:] == [
        "Ольга, пришлём к пятнице. Анна",
        "/ 2 экземпляра, как договаривались",
    ]


async def test_a_placeholder_the_card_cannot_fill_stops_the_send(seeded: Seeded, sign_in: SignIn) -> None:
    """Борис's client wrote without a company: «{компания}» stays visible in the picker and sends nothing."""
    viktor = await sign_in("viktor@example.ru")
    await viktor.get("/ui/replies")
    await viktor.post("/ui/replies", {"code": "часы", "text": HOURS})
    boris = await sign_in("boris@example.ru")
    others = f"/ui/requests/{seeded.others_request_id}"
    _, page = await boris.get(others)
    assert "({компания}) у меня. Борис" in page.split('id="saved-replies"', 1)[1].split("</select>", 1)[0]
    status, page = await _answer(boris.post(f"{others}/reply", {"text": "/часы"}))
    assert status == 422 and "Ответ не отправлен: {компания} нечем заполнить" in page
    assert ">/часы</textarea>" in page
    # the picked text, with the gap left as it was: refused again, and back in the box
    picked = f"Ирина Белова, здравствуйте! Заявка #{seeded.others_request_id} ({{компания}}) у меня. Борис"
    status, page = await _answer(boris.post(f"{others}/reply", {"text": picked}))
    assert status == 422 and f">{html.escape(picked, quote=False)}</textarea>" in page
    await boris.post(f"{others}/reply", {"text": picked.replace("{компания}", "ИП Белова")})
    await seeded.live.drain()
    assert await _outbound(seeded, seeded.others_request_id) == [picked.replace("{компания}", "ИП Белова")]


async def test_a_members_own_replies_come_before_the_companys_and_are_theirs_alone(
    seeded: Seeded, sign_in: SignIn
) -> None:
    viktor = await sign_in("viktor@example.ru")
    await viktor.get("/ui/replies")
    await viktor.post("/ui/replies", {"code": "привет", "text": "Здравствуйте, {имя}!"})
    anna = await sign_in("anna@example.ru")
    _, page = await anna.get("/ui/replies")
    assert 'id="my-reply-form"' in page and "Своих ответов пока нет." in page
    await anna.post("/ui/replies/mine", {"code": "привет", "text": "   "})
    _, page = await anna.get("/ui/replies")
    assert "Напишите текст ответа." in page
    await anna.post(
        "/ui/replies/mine", {"code": "/Привет", "text": "{имя}, добрый день! {менеджер} на связи."}
    )
    await anna.post("/ui/replies/mine", {"code": "спасибо", "text": "Спасибо, {имя}!"})
    _, page = await anna.get("/ui/replies")
    mine = page.split('id="my-replies"', 1)[1]
    assert "<code>/привет</code>" in mine and "<code>/спасибо</code>" in mine
    assert "(у вас свой с этим кодом)" in page.split('id="replies"', 1)[1]
    own = f"/ui/requests/{seeded.own_request_id}"
    _, page = await anna.get(own)
    picker = page.split('id="saved-replies"', 1)[1].split("</select>", 1)[0]
    assert ">/спасибо — " in picker and "Анна на связи" in picker and "Здравствуйте" not in picker
    assert (await anna.post(f"{own}/reply", {"text": "/привет"})).status == 303
    await seeded.live.drain()
    assert await _outbound(seeded, seeded.own_request_id) == ["Ольга Смирнова, добрый день! Анна на связи."]
    # Борис types the same code: the company's text; Анна's own are not his to see, send or remove
    boris = await sign_in("boris@example.ru")
    others = f"/ui/requests/{seeded.others_request_id}"
    _, page = await boris.get("/ui/replies")
    assert "<code>/спасибо</code>" not in page and "Своих ответов пока нет." in page
    status, page = await _answer(boris.post(f"{others}/reply", {"text": "/спасибо"}))
    assert status == 422 and "Быстрого ответа /спасибо нет" in page
    assert (await boris.post(f"{others}/reply", {"text": "/привет"})).status == 303
    await seeded.live.drain()
    assert await _outbound(seeded, seeded.others_request_id) == ["Здравствуйте, Ирина Белова!"]
    async with seeded.live.services.db.session() as session:
        query = select(PersonalReply).where(col(PersonalReply.code) == "спасибо")
        [thanks] = (await session.execute(query)).scalars()
        actions = (
            await session.execute(
                select(AuditLog.action).where(AuditLog.entity == "personal_reply").order_by(col(AuditLog.id))
            )
        ).all()
    assert [a for (a,) in actions] == ["personal_reply.add", "personal_reply.add"]
    assert (await boris.post(f"/ui/replies/mine/{thanks.id}/delete", {})).status == 404
    assert (await anna.post(f"/ui/replies/mine/{thanks.id}/delete", {})).status == 303
    _, page = await anna.get("/ui/replies")
    assert "<code>/спасибо</code>" not in page and "Быстрый ответ /спасибо удалён." in page
