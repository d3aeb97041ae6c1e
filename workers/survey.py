"""How did we do? When a request is done, okno asks the client once, in the channel they last wrote from, to
rate the work from 1 to 5 (intake/rating.py reads the answer back onto the request); a low score is told to
the head of whoever had the request, with the client's words, the same hour.

The question goes SURVEY_AFTER the request is done (one closed by mistake is usually reopened within minutes)
and not later than ASK_WITHIN after (a request closed last month is not asked about), only where the company
turned it on (web: the SLA page, «Просить клиента оценить работу»), and not about a request the client only
called about."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists
from sqlmodel import col, select

from storage.models import Message, Request, Staff
from storage.repos.company_settings import client_notices
from storage.repos.requests import RATING_ANSWER_WITHIN
from storage.repos.staff_bot import active_staff, notice_status
from workers.context import JobContext, services
from workers.escalation import escalation_chain
from workers.notify_texts import say
from workers.outbound import enqueue_send, last_written, queue_notice, queue_survey
from workers.staff_cards import request_clients, request_link
from workers.staff_delivery import staffbot_settings, tell, their_lang
from workers.whatsapp import window_closes_at

SURVEY_AFTER = timedelta(minutes=10)
SCORES = ("1", "2", "3", "4", "5")  # to tap where the channel can: Telegram, WhatsApp (a list), Viber
ASK_WITHIN = timedelta(days=2)
LOW_RECENT = timedelta(days=7)  # a low score older than this (the staff bot was off): the dashboard shows it
COMMENT_CHARS = 300
QUESTION = {
    "ru": "Заявка #{id} выполнена. Оцените, пожалуйста, нашу работу от 1 до 5 — ответьте одной цифрой "
    "(5 — отлично). Если что-то было не так, напишите пару слов после цифры.",
    "en": "Request #{id} is done. Please rate our work from 1 to 5 — reply with one digit (5 is excellent). "
    "If something went wrong, add a few words after it.",
}


THANKS = {"ru": "Спасибо за оценку!", "en": "Thank you for the rating!"}
THANKS_LOW = {
    "ru": "Спасибо за оценку. Нам жаль, что не всё прошло хорошо: ваш отзыв передан руководителю.",
    "en": "Thank you for the rating. We are sorry it did not go well: your words have gone to the manager in "
    "charge.",
}


async def send_surveys(app: JobContext) -> int:
    """Ask about every request done long enough ago and not asked yet; the number of questions queued."""
    now = app.clock()
    written = (
        select(Message.id)
        .where(col(Message.request_id) == col(Request.id), col(Message.direction) == "inbound")
        .where(col(Message.kind).not_in(("call", "system")))
    )
    unanswered = select(Request.contact_id).where(
        col(Request.status) == "done",
        col(Request.rating).is_(None),
        col(Request.survey_sent_at) >= now - RATING_ANSWER_WITHIN,
    )
    async with app.db.session() as session:
        if not (await client_notices(session)).ask_rating:
            return 0
        query = (
            select(Request.id, Request.contact_id)
            .where(col(Request.status) == "done", col(Request.survey_sent_at).is_(None))
            .where(col(Request.done_at) <= now - SURVEY_AFTER, col(Request.done_at) >= now - ASK_WITHIN)
            .where(exists(written))
            .order_by(col(Request.done_at))
        )
        due = (await session.execute(query)).all()
        # one question at a time: a client with an unanswered one is not asked another (their «5» would
        # answer only one of them); the next goes once they answer
        waiting = set((await session.execute(unanswered)).scalars())
    question = QUESTION.get(app.policy.language, QUESTION["ru"])
    asked = 0
    for request_id, contact_id in due:
        if contact_id in waiting or not await _may_write(app, request_id, now):
            continue
        outbox = await queue_survey(
            app.db, request_id=request_id, text=question.format(id=request_id), at=now, choices=SCORES
        )
        if outbox is not None:  # None: another process asked first, or the request was reopened meanwhile
            await enqueue_send(app.queue, outbox)
            asked += 1
            waiting.add(contact_id)
    return asked


async def thank_for_rating(ctx: dict[str, Any], request_id: int) -> str:
    """The follow-up of the client's rating: a thank-you in their channel, once; after a low one, that their
    words went to the head (they did: low_ratings tells the head, the dashboard lists it)."""
    app = services(ctx)
    async with app.db.session() as session:
        request = await session.get(Request, request_id)
        if request is None or request.rating is None or request.rated_at is None:
            return "no rating"
        low = request.rating <= (await client_notices(session)).low_score
    texts = THANKS_LOW if low else THANKS
    text = texts.get(app.policy.language, texts["ru"])
    outbox = await queue_notice(
        app.db, request_id=request_id, text=text, at=app.clock(), key=_thanks_key(request_id)
    )
    if outbox is None:
        return "thanked already, or nowhere to write"
    await enqueue_send(app.queue, outbox)
    return "thanked"


async def _may_write(app: JobContext, request_id: int, now: datetime) -> bool:
    """Free text may reach the client now: not on WhatsApp once its 24-hour window has closed (the platform
    refuses it; a paid template for a survey is not okno's to send). Asked again each minute while the
    request is within ASK_WITHIN: the client writing again reopens the window."""
    async with app.db.session() as session:
        inbound = await last_written(session, request_id)
        if inbound is None or inbound.channel != "whatsapp":
            return True
        closes = await window_closes_at(session, inbound)
    return closes is not None and now < closes


async def low_ratings(app: JobContext) -> int:
    """A score at or under the company's «low» told once to the head of whoever had the request (else the
    supervisor on duty), with what the client wrote."""
    cfg = staffbot_settings(app)
    now = app.clock()
    async with app.db.session() as session:
        low = (await client_notices(session)).low_score
        query = (
            select(Request)
            .where(col(Request.rating) <= low, col(Request.rated_at) >= now - LOW_RECENT)
            .order_by(col(Request.rated_at))
        )
        # every tick (20 s) finds the ones told already: skipped before their client and chain are looked up
        rated = [
            r
            for r in (await session.execute(query)).scalars()
            if await notice_status(session, key=_key(r)) in (None, "pending")
        ]
        people = {s.id: s for s in await active_staff(session)}
        labels = await request_clients(session, rated)
    told = 0
    for request in rated:
        # the assignee's head; a request nobody had: the head of the group that answers its line
        nobodys = request.group_head_id if request.assignee_id is None else None
        chain = await escalation_chain(app, above=request.assignee_id, head=nobodys)
        if not chain:
            continue
        assignee: Staff | None = people.get(request.assignee_id)
        lang = their_lang(app, chain[0])
        text = say(
            "low_rating",
            lang,
            score=request.rating,
            request=request.id,
            client=labels.get(request.id) or say("unknown_client", lang),
            assignee=assignee.name if assignee else say("nobody", lang),
        )
        if request.rating_comment:
            text += "\n" + say("low_rating_comment", lang, comment=request.rating_comment[:COMMENT_CHARS])
        link = request_link(cfg.web_url, request.id)
        told += await tell(app, chain[0], key=_key(request), kind="low_rating", text=text, link=link)
    return told


def _thanks_key(request_id: int) -> str:
    return f"okno-thanks:{request_id}"


def _key(request: Request) -> str:
    return f"low_rating:{request.id}"
