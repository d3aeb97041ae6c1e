"""Summary eval: the facts each case must mention, and whether every point cites messages it was given."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from assistant.chains.summary import ClientCard, MessageView, card_points, summarize
from assistant.evals.metrics import Tally
from assistant.llm import ChatRunner, LlmFailed, Usage
from assistant.prompting import messages
from assistant.schemas import ClientSummary, SummaryPoint

MOSCOW = ZoneInfo("Europe/Moscow")


def _views(case: dict[str, Any]) -> list[MessageView]:
    return [
        MessageView(m["id"], datetime.fromisoformat(m["at"]), m["channel"], m["author"], m["text"])
        for m in case["messages"]
    ]


async def _bare(runner: ChatRunner, views: list[MessageView]) -> tuple[list[SummaryPoint], Usage]:
    text = "\n".join(f"id={m.id} {m.author}: {m.text}" for m in views)
    out, usage = await runner.run(ClientSummary, messages("summary_bare", text=text), chain="summary_bare")
    return out.points, usage


async def eval_summary(
    runner: ChatRunner, cases: list[dict[str, Any]], *, bare: bool, echo: Callable[[str], None]
) -> dict[str, Any]:
    tally = Tally()
    facts_found = facts_total = complete = cited_points = all_points = failures = 0
    for case in cases:
        views = _views(case)
        card = ClientCard(
            case["client"]["name"], case["client"].get("inn"), tuple(case["client"].get("contacts", ()))
        )
        started = time.perf_counter()
        try:
            if bare:
                points, usage = await _bare(runner, views)
                claims = points
            else:
                # the cases are written in Moscow time
                result = await summarize(
                    runner, card=card, previous=[], last_message_id=0, new=views, tz=MOSCOW
                )
                # the card's points are data, not claims: only what the model wrote must cite messages
                claims, usage = result.points, result.usage
                points = card_points(card) + claims
        except LlmFailed as exc:
            failures += 1
            facts_total += len(case["facts"])
            echo(f"{case['id']}: FAILED {exc}")
            continue
        tally.latencies.append(time.perf_counter() - started)
        tally.prompt_tokens.append(usage.prompt_tokens)
        tally.completion_tokens.append(usage.completion_tokens)
        ids = {m.id for m in views}
        text = " ".join(p.text for p in points).casefold()
        found = [any(alt.casefold() in text for alt in fact) for fact in case["facts"]]
        facts_found += sum(found)
        facts_total += len(found)
        complete += all(found)
        all_points += len(claims)
        cited_points += sum(bool(p.cites) and set(p.cites) <= ids for p in claims)
        # a missed fact by its alternatives, so a company reading the run sees what its summaries lose
        missed = ["|".join(fact) for fact, hit in zip(case["facts"], found, strict=True) if not hit]
        echo(
            f"{'ok ' if all(found) else 'ERR'} {case['id']} facts {sum(found)}/{len(found)} "
            f"points {len(points)}" + (f" missed: {'; '.join(missed)}" if missed else "")
        )
    figures = {
        k: v
        for k, v in tally.figures().items()
        if not k.startswith(("precision", "recall", "f1", "accuracy"))
    }
    figures.update(
        cases=len(cases),
        fact_recall=round(facts_found / facts_total, 3) if facts_total else 0.0,
        all_facts=round(complete / len(cases), 3) if cases else 0.0,
        points_cited=round(cited_points / all_points, 3) if all_points else 0.0,
        failures=failures,
    )
    return figures
