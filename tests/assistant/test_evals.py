"""The labelled sets are well-formed and big enough, and the runner computes its figures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from langchain_core.messages import BaseMessage

from assistant.chains.conflict import source_text
from assistant.evals.runner import SETS, load_cases, run_eval
from assistant.llm import ChatRunner
from assistant.prompting import fence
from assistant.schemas import CATEGORIES
from okno.cli import main
from tests.assistant.fakes import ToolCallingFake, user_text

Build = Callable[..., tuple[ChatRunner, ToolCallingFake]]


def cases(kind: str, split: str) -> list[dict[str, Any]]:
    return list(load_cases(SETS / f"{kind}.{split}.jsonl"))


def test_conflict_set_sizes_languages_channels_and_hard_negatives() -> None:
    test = cases("conflicts", "test")
    assert len(test) >= 80
    assert {c["lang"] for c in test} == {"ru", "uk", "en"} and {c["channel"] for c in test} == {
        "chat",
        "email",
        "call",
    }
    assert sum(c["hard"] for c in test) >= 0.3 * len(test)
    assert all(
        c["category"] in (*CATEGORIES, "none") and (c["category"] == "none") != c["conflict"] for c in test
    )


def test_test_and_dev_splits_do_not_share_texts_and_few_shots_stay_out() -> None:
    prompts = Path(__file__).parents[2] / "assistant/prompts"
    # every file the conflict chains put in front of the model: instructions and few-shot examples
    system = "\n".join(p.read_text() for p in sorted(prompts.glob("conflict*.md")))
    for kind in ("conflicts", "tasks", "summary"):
        test, dev = cases(kind, "test"), cases(kind, "dev")
        key = "text" if kind != "summary" else "messages"
        assert not {json.dumps(c[key]) for c in test} & {json.dumps(c[key]) for c in dev}
    assert not any(c["text"] in system for c in cases("conflicts", "test"))
    assert len(cases("tasks", "test")) >= 40 and len(cases("summary", "test")) >= 15


def oracle(labels: dict[str, dict[str, Any]]) -> Callable[[list[BaseMessage], str], dict[str, Any]]:
    """Answers from the labels, quoting the first five words: a perfect model, for the arithmetic."""

    def answer(messages: list[BaseMessage], _tool: str) -> dict[str, Any]:
        text = user_text(messages).rsplit("<message>", 1)[1].split("</message>")[0]
        case = next(c for t, c in labels.items() if fence(t) == text)  # paired cases share their openings
        quote = " ".join(text.splitlines()[0].split(" ")[:5]) if case["conflict"] else ""
        return {
            "conflict": case["conflict"],
            "category": case["category"],
            "severity": 2,
            "evidence": quote,
            "reason": "x",
        }

    return answer


async def test_runner_scores_a_perfect_model_at_one(fake_runner: Build) -> None:
    dev = cases("conflicts", "dev")
    # keyed by the text the chain judges (an email without its quoted history)
    runner, _ = fake_runner(oracle({source_text(c["text"], c["channel"]): c for c in dev}))
    figures = await run_eval(
        "conflicts", runner, SETS / "conflicts.dev.jsonl", bare=False, echo=lambda _l: None
    )
    assert figures["f1"] == 1.0 and figures["accuracy"] == 1.0 and figures["evidence_exact_tp"] == 1.0
    assert figures["cases"] == len(dev) and figures["prompt_tokens_mean"] > 0


def test_eval_and_models_commands_are_installed() -> None:
    result = CliRunner().invoke(main, ["eval", "--help"])
    assert result.exit_code == 0 and "--bare" in result.output and "--file" in result.output
    assert CliRunner().invoke(main, ["models", "prepare", "--help"]).exit_code == 0


def test_eval_with_a_missing_model_explains(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKNO_MODEL_CACHE", str(tmp_path))
    result = CliRunner().invoke(main, ["eval", "conflicts", "--model", "1.5b"])
    assert result.exit_code != 0 and "okno models prepare 1.5b" in result.output
