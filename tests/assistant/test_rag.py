"""Chroma index with the static embedding (offline, fast) and the question chain's citations."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage

from assistant.llm import ChatRunner
from assistant.rag import ask, attributed, message_item, month_days
from storage.embeddings import StaticEmbedding
from storage.vectors import ChromaIndex, Hit
from tests.assistant.fakes import ToolCallingFake, user_text

Build = Callable[..., tuple[ChatRunner, ToolCallingFake]]
NOW = datetime.fromisoformat("2026-11-24T10:00:00+03:00")
OCT = datetime.fromisoformat("2026-10-12T10:00:00+03:00")
NOV = datetime.fromisoformat("2026-11-12T10:00:00+03:00")


def index(tmp_path: Path) -> ChromaIndex:
    idx = ChromaIndex(embedding=StaticEmbedding(), path=tmp_path / "chroma")
    idx.add(
        [
            message_item(
                message_id=1, client_id=7, text="Пришлите счёт за октябрь", at=OCT, channel="telegram"
            ),
            message_item(message_id=2, client_id=7, text="Счёт оплатили, спасибо", at=NOV, channel="email"),
            message_item(
                message_id=3, client_id=8, text="Пришлите счёт за октябрь", at=OCT, channel="telegram"
            ),
        ]
    )
    return idx


def cite_all_and_one_more(messages: list[BaseMessage], _tool: str) -> dict[str, Any]:
    ids = [int(i) for i in re.findall(r"id=(\d+)", user_text(messages))]
    # a small model copies the prompt's fences into its answer; the staff never see them
    return {"text": "Просили <message>счёт за октябрь</message>.", "cites": [*ids, 42]}


def test_index_is_persistent_and_searches_one_client(tmp_path: Path) -> None:
    index(tmp_path)
    reopened = ChromaIndex(embedding=StaticEmbedding(), path=tmp_path / "chroma")
    hits = reopened.search("счёт", where={"client_id": 7}, k=5)
    assert {h.metadata["message_id"] for h in hits} == {1, 2}


def test_month_words_become_a_date_range() -> None:
    assert month_days("что Ромашка спрашивала про счета в октябре?", NOW) == (20261000, 20261031)
    assert month_days("what did they ask in December?", NOW) == (20251200, 20251231)
    assert month_days("что спрашивали про счета?", NOW) is None
    assert month_days("Що клієнт питав у жовтні?", NOW) == (20261000, 20261031)
    # the period a document covers: written in that month or the next (the act for September came in October)
    assert month_days("что было не так с актом за сентябрь?", NOW) == (20260900, 20261031)
    assert month_days("the invoice for December", NOW) == (20251200, 20260131)
    assert month_days("рахунок за листопад", NOW) == (20261100, 20261231)
    assert month_days("сентябрьский акт", NOW) is None


async def test_answer_cites_only_retrieved_messages_of_that_client_and_month(
    tmp_path: Path, fake_runner: Build
) -> None:
    runner, model = fake_runner(cite_all_and_one_more)
    out = await ask(
        runner, index(tmp_path), client_id=7, question="что Ромашка спрашивала про счета в октябре?", now=NOW
    )
    assert out.cites == [1] and out.text == "Просили счёт за октябрь."
    # the schema offers only the retrieved ids: a local model cannot write another under its grammar
    assert model.tools[-1]["function"]["parameters"]["properties"]["cites"]["items"]["enum"] == [1]
    # who wrote it and when, in words a model reads (the index keeps the day as a number to filter on)
    assert "id=1 2026-10-12 telegram client: <message>Пришлите счёт за октябрь</message>" in user_text(
        model.seen[-1]
    )
    # the answer's language is the question's, said last: the 1.5B model follows the message it copies
    assert user_text(model.seen[-1]).endswith("Ответь по-русски.")
    await ask(runner, index(tmp_path), client_id=7, question="What did they ask about invoices?", now=NOW)
    assert user_text(model.seen[-1]).endswith("Answer in English.")


async def test_an_answer_in_another_language_is_said_again_in_the_questions(
    tmp_path: Path, fake_runner: Build
) -> None:
    """The 1.5B model answers in the language of the message it copies, though told the question's."""
    restated = {"Restated": "Просили счёт за октябрь."}

    def copies_the_message(messages: list[BaseMessage], tool: str) -> dict[str, Any]:
        if tool in restated:
            return {"text": restated[tool]}
        return {"text": "They asked for the October invoice.", "cites": [1]}

    runner, model = fake_runner(copies_the_message)
    question = "что Ромашка спрашивала про счета в октябре?"
    out = await ask(runner, index(tmp_path), client_id=7, question=question, now=NOW)
    assert out.text == "Просили счёт за октябрь." and out.cites == [1]
    assert model.tools[-1]["function"]["name"] == "Restated"
    asked = user_text(model.seen[-1])
    assert "Into Russian:" in asked and "<message>They asked for the October invoice.</message>" in asked
    assert asked.endswith("Ответь по-русски.")
    # both calls counted: the answer's usage and the chain's totals
    assert runner.totals["rag"].calls == 2
    assert out.usage.prompt_tokens == runner.totals["rag"].usage.prompt_tokens

    # a translation still in the wrong language, or none, leaves the answer as the model gave it
    restated["Restated"] = "They asked for the October invoice, translated."
    out = await ask(runner, index(tmp_path), client_id=7, question=question, now=NOW)
    assert out.text == "They asked for the October invoice."
    # an answer already in the question's language, or without letters, is not restated
    calls = len(model.seen)
    await ask(runner, index(tmp_path), client_id=7, question="What did they ask about invoices?", now=NOW)
    assert len(model.seen) == calls + 1


def hit(message_id: int, text: str) -> Hit:
    return Hit(f"message:{message_id}", text, {"message_id": message_id}, 0.1)


def test_the_message_an_answer_copies_is_cited() -> None:
    """The 1.5B model answers by copying one retrieved message and cites another (rag dev: 3 of 22)."""
    hits = [
        hit(7, "Договор хранения №ХР-118 во вложении."),
        hit(8, "Водитель опоздал на погрузку на четыре часа, склад выставил нам простой 6 000 ₽."),
        hit(9, "Простой 6 000 ₽ компенсируем: вычтем из следующего счёта."),
    ]
    copied = "Водитель опоздал на погрузку на четыре часа, склад выставил простой 6 000 ₽."
    # the copied message first; 9 shares "простой 6 000" (3 of 11 words) and stays; 7 shares none and goes
    assert attributed(copied, [7, 9], hits) == [8, 9]
    assert attributed(copied, [8], hits) == [8]
    # words agree by their first five letters: "опоздали на погрузку" is "опоздал на погрузке"
    assert attributed("Водитель опоздали на погрузке на четыре часа", [7], hits) == [8]
    # no message holds most of the answer's words (a translation, a summary of several): the model's cites
    assert attributed("The driver was four hours late for loading.", [7], hits) == [7]
    assert attributed("Договор ХР-118 и компенсация простоя.", [9, 7], hits) == [9, 7]  # half from each
    assert attributed("", [7], []) == [7]


def test_a_calls_segments_support_their_message_by_the_best_one() -> None:
    hits = [hit(5, "Клиент: добрый день"), hit(5, "Клиент: плитка пришла треснутая, две коробки")]
    assert attributed("Плитка пришла треснутая, две коробки.", [], hits) == [5]
