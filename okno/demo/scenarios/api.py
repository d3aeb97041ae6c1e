"""The API channel: ≥15 Russian client messages from 5 companies, a retried delivery, a broken body,
a wrong token, two manager replies that leave as signed webhooks, a saved reply sent by its code, and the
client of the request done rating it when okno asks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from okno.demo.stage import Stage
from storage.models import Staff
from storage.repos.company_settings import ClientNotices, save_client_notices
from storage.repos.saved_replies import save_saved_reply
from workers.survey import SURVEY_AFTER, send_surveys

DATA = Path(__file__).with_name("api_messages.json")


def _body(index: int, item: dict[str, Any], now: datetime) -> dict[str, Any]:
    sent_at = now - timedelta(minutes=item["minutes_ago"])
    body: dict[str, Any] = {
        "event_id": f"demo-{index:03d}",
        "sent_at": sent_at.isoformat(),
        "sender": item["sender"],
        "text": item["text"],
    }
    if item.get("attachments"):
        body["attachments"] = item["attachments"]
    return body


async def run(stage: Stage) -> dict[str, Any]:
    script = json.loads(DATA.read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    stage.say(f"[api] posting {len(script['messages'])} client messages to {stage.base_url}/api/v1/inbound")
    statuses = []
    for index, item in enumerate(script["messages"]):
        status, _answer = await stage.post_inbound(_body(index, item, now))
        statuses.append(status)
        stage.say(f"  {status}  {item['sender'].get('name')}: {item['text'][:70]}")
    retried, _ = await stage.post_inbound(_body(5, script["messages"][5], now))
    stage.say(f"  {retried}  (the integrator retried demo-005: same event_id, must change nothing)")
    broken, answer = await stage.post_inbound({"event_id": "demo-bad", "text": "без отправителя"})
    stage.say(f"  {broken}  broken body refused: {answer['detail']} (raw kept as #{answer['raw_event_id']})")
    wrong, _ = await stage.post_inbound(_body(0, script["messages"][0], now), token="wrong-token")  # noqa: S106
    stage.say(f"  {wrong}  wrong token refused, nothing stored")
    await stage.drain()
    replies = await _reply(stage, script["replies"])
    await stage.drain()
    done = next(r for r in script["replies"] if r["then_status"] == "done")
    client = next(m["sender"] for m in script["messages"] if done["to_text"] in m["text"])
    rating = await _rating(stage, replies[script["replies"].index(done)], client)
    saved = await _saved_reply(stage, script["saved_reply"])
    return {
        "posted": statuses,
        "retry": retried,
        "broken": broken,
        "wrong_token": wrong,
        "replies": replies,
        "rating": rating,
        "saved_reply": saved,
    }


async def _saved_reply(stage: Stage, saved: dict[str, str]) -> str:
    """The supervisor wrote the answer to a question clients ask every quarter once («Быстрые ответы» in the
    web); the manager sends it by its code, and okno puts in the client's name, the request's number and hers.
    Returns the text the client got."""
    async with stage.services.db.session() as session:
        supervisor = (
            (await session.execute(select(Staff).where(col(Staff.role) == "supervisor"))).scalars().first()
        )
        await save_saved_reply(
            session, code=saved["code"], text=saved["text"], staff_id=supervisor.id if supervisor else None
        )
        await session.commit()
    listing = await stage.staff_call("GET", "/api/v1/requests?limit=100")
    request = next(r for r in listing["requests"] if saved["to_text"] in (r["form"]["what"] or ""))
    await stage.staff_call("POST", f"/api/v1/requests/{request['id']}/reply", {"text": f"/{saved['code']}"})
    await stage.drain()
    detail = await stage.staff_call("GET", f"/api/v1/requests/{request['id']}")
    sent = [m["text"] for m in detail["messages"] if m["direction"] == "outbound"][-1]
    stage.say(
        f"[api] a saved reply: the supervisor wrote /{saved['code']} once; the manager sends it by its code:"
    )
    stage.say(f"  → request #{request['id']}: {sent}")
    return str(sent)


async def _rating(stage: Stage, request_id: int, client: dict[str, Any]) -> dict[str, Any]:
    """The company asks clients to rate finished work (Settings → SLA): the question goes ten minutes after
    «done» (the demo moves okno's clock on for it), and the client's «5, спасибо!» is the request's rating."""
    app = stage.services.jobs
    async with stage.services.db.session() as session:
        await save_client_notices(session, ClientNotices(ask_rating=True), staff_id=None)
        await session.commit()
    later, clock = datetime.now(UTC) + SURVEY_AFTER + timedelta(minutes=1), app.clock
    app.clock = lambda: later
    try:
        asked = await send_surveys(app)
    finally:
        app.clock = clock
    await stage.drain()
    stage.say(f"[api] okno asked the client of request #{request_id} to rate the work (a signed webhook)")
    answer = {
        "event_id": "demo-rating",
        "sent_at": (later + timedelta(minutes=2)).isoformat(),
        "sender": client,
        "text": "5, спасибо! Счёт получили.",
    }
    status, _ = await stage.post_inbound(answer)
    await stage.drain()
    request = await stage.staff_call("GET", f"/api/v1/requests/{request_id}")
    rated = f"request #{request_id} rated {request['rating']}/5"
    stage.say(f"  {status}  {client.get('name')}: {answer['text']} → {rated}")
    return {"asked": asked, "rating": request["rating"], "status": request["status"]}


async def _reply(stage: Stage, replies: list[dict[str, Any]]) -> list[int]:
    listing = await stage.staff_call("GET", "/api/v1/requests?limit=100")
    done = []
    for reply in replies:
        request = next(r for r in listing["requests"] if reply["to_text"] in (r["form"]["what"] or ""))
        await stage.staff_call("POST", f"/api/v1/requests/{request['id']}/reply", {"text": reply["text"]})
        await stage.staff_call(
            "POST", f"/api/v1/requests/{request['id']}/status", {"status": reply["then_status"]}
        )
        stage.say(f"[api] manager answered request #{request['id']} and set it to {reply['then_status']}")
        done.append(int(request["id"]))
    return done
