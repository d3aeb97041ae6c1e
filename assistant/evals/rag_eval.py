"""Retrieval eval: for each question about a client's history, whether the messages that answer it are
retrieved (within the month the question names, as `ask` does), whether the answer states the fact, and
whether it cites a message that holds it.

A case is one client's history and its questions:
`{"id", "now", "client", "messages": [{"id", "at", "channel", "author", "text"}],
"questions": [{"q", "relevant": [message ids], "keywords": [[alternatives], ...]}]}`.
`--bare`: the same model and prompt on the client's latest K messages instead of the retrieved ones, so
what retrieval adds is printed, not claimed."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.evals.metrics import latency_figures
from assistant.languages import language
from assistant.llm import ChatRunner, LlmFailed
from assistant.rag import K, answer, message_item, retrieve
from storage.vectors import Hit, IndexedText, VectorIndex

CLIENT = 1
IndexAt = Callable[[Path], VectorIndex]  # a fresh, empty index in this folder


def _latest(items: Sequence[IndexedText]) -> list[Hit]:
    """The baseline's context: the client's last K messages (items in time order), newest first, as
    retrieval would give them."""
    return [Hit(i.id, i.text, i.metadata, 0.0) for i in reversed(items[-K:])]


def _states(text: str, keywords: Sequence[Sequence[str]]) -> bool:
    folded = text.casefold()
    return all(any(alt.casefold() in folded for alt in group) for group in keywords)


async def eval_rag(
    runner: ChatRunner,
    cases: list[dict[str, Any]],
    *,
    bare: bool,
    echo: Callable[[str], None],
    index_at: IndexAt,
) -> dict[str, Any]:
    questions = any_found = stated = cited_right = cited = failures = same_language = 0
    cites_given = cites_holding = 0  # every id cited, and those of messages that hold the fact
    recall: list[float] = []
    latencies: list[float] = []
    prompt_tokens: list[int] = []
    completion_tokens: list[int] = []  # the answer's JSON, and a restated answer's when one was asked
    for case in cases:
        now = datetime.fromisoformat(case["now"])
        with tempfile.TemporaryDirectory() as folder:
            items = [
                message_item(
                    message_id=m["id"],
                    client_id=CLIENT,
                    text=m["text"],
                    at=datetime.fromisoformat(m["at"]),
                    channel=m["channel"],
                    author=m["author"],
                )
                for m in sorted(case["messages"], key=lambda m: datetime.fromisoformat(m["at"]))
            ]
            index = index_at(Path(folder))
            index.add(items)
            for item in case["questions"]:
                questions += 1
                relevant = set(item["relevant"])
                started = time.perf_counter()
                if bare:
                    hits = _latest(items)
                else:
                    hits = retrieve(index, client_id=CLIENT, question=item["q"], now=now)
                found = {int(h.metadata["message_id"]) for h in hits}
                recall.append(len(found & relevant) / len(relevant))
                any_found += bool(found & relevant)
                try:
                    answered = await answer(runner, item["q"], hits)
                except LlmFailed as exc:
                    failures += 1
                    echo(f"{case['id']} {item['q']!r}: FAILED {exc}")
                    continue
                latencies.append(time.perf_counter() - started)
                prompt_tokens.append(answered.usage.prompt_tokens)
                completion_tokens.append(answered.usage.completion_tokens)
                ok = _states(answered.text, item["keywords"])
                stated += ok
                cited += bool(answered.cites)
                cited_right += bool(set(answered.cites) & relevant)
                cites_given += len(set(answered.cites))
                cites_holding += len(set(answered.cites) & relevant)
                asked_in = language(item["q"])
                # an answer without letters ("64 000 ₽") counts as in the question's language
                same_language += language(answered.text, default=asked_in) == asked_in
                echo(
                    f"{'ok ' if ok else 'ERR'} {case['id']} {item['q']!r}: retrieved "
                    f"{sorted(found & relevant)} of {sorted(relevant)}, cites {answered.cites}, "
                    f"answer {answered.text!r:.100} ({latencies[-1]:.1f} s, "
                    f"{answered.usage.prompt_tokens}+{answered.usage.completion_tokens} tokens)"
                )
    share = (lambda n: round(n / questions, 3)) if questions else (lambda _n: 0.0)
    return {
        "questions": questions,
        f"retrieved_any_at_{K}": share(any_found),
        f"recall_at_{K}": round(statistics.fmean(recall), 3) if recall else 0.0,
        "answer_states_fact": share(stated),
        "answer_cites_a_relevant_message": share(cited_right),
        "answer_cites_any": share(cited),
        # padding the cites would raise the share above; this falls with it
        "cites_precision": round(cites_holding / cites_given, 3) if cites_given else 0.0,
        "answer_in_question_language": share(same_language),
        **latency_figures(latencies),
        "prompt_tokens_mean": round(statistics.fmean(prompt_tokens), 1) if prompt_tokens else 0.0,
        "completion_tokens_mean": round(statistics.fmean(completion_tokens), 1) if completion_tokens else 0.0,
        "failures": failures,
    }
