"""The labelled sets are well-formed and big enough, and the runner computes its figures."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from langchain_core.messages import BaseMessage

from assistant.chains.conflict import source_text
from assistant.chains.summary import MESSAGE_CHARS
from assistant.cleaning import body_bounds
from assistant.evals.runner import SETS, load_cases, run_eval
from assistant.injection import without_directives
from assistant.llm import ChatRunner
from assistant.prompting import fence, unfence
from assistant.schemas import CATEGORIES
from okno.cli import main
from storage.embeddings import StaticEmbedding
from storage.vectors import ChromaIndex
from tests.assistant.fakes import ScriptedScorer, ToolCallingFake, favour, user_text

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


def _grams(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _test_split_texts() -> list[str]:
    """Every text of a test split a prompt could paraphrase."""
    texts = [c["text"] for kind in ("conflicts", "tasks") for c in cases(kind, "test")]
    texts += [m["text"] for kind in ("summary", "rag") for c in cases(kind, "test") for m in c["messages"]]
    return texts


def test_test_and_dev_splits_do_not_share_texts_and_few_shots_stay_out() -> None:
    prompts = Path(__file__).parents[2] / "assistant/prompts"
    # every file the conflict chains put in front of the model: instructions and few-shot examples
    system = "\n".join(p.read_text() for p in sorted(prompts.glob("conflict*.md")))
    for kind in ("conflicts", "tasks", "summary"):
        test, dev = cases(kind, "test"), cases(kind, "dev")
        key = "text" if kind != "summary" else "messages"
        assert not {json.dumps(c[key]) for c in test} & {json.dumps(c[key]) for c in dev}
    assert not any(c["text"] in system for c in cases("conflicts", "test"))
    leaks = [
        (path.name, n)
        for path in sorted(prompts.glob("*.md"))
        for n, text in enumerate(_test_split_texts())
        if len(_grams(text) & _grams(path.read_text())) >= 2
    ]
    assert not leaks, f"prompts that paraphrase test-split texts (file, text index): {leaks}"
    assert len(cases("tasks", "test")) >= 40 and len(cases("summary", "test")) >= 15
    rag_test, rag_dev = cases("rag", "test"), cases("rag", "dev")
    assert not {q["q"] for c in rag_test for q in c["questions"]} & {
        q["q"] for c in rag_dev for q in c["questions"]
    }
    assert sum(len(c["questions"]) for c in rag_test) >= 15


def test_rag_labels_point_at_messages_that_hold_the_fact() -> None:
    for case in cases("rag", "test") + cases("rag", "dev"):
        texts = {m["id"]: m["text"].casefold() for m in case["messages"]}
        for item in case["questions"]:
            assert set(item["relevant"]) <= set(texts), (case["id"], item["q"])
            held = " ".join(texts[i] for i in item["relevant"])
            # the fact is in the relevant messages, or (a question in another language) asked of them
            assert any(alt.casefold() in held for alt in item["keywords"][0]) or item["q"].isascii(), item


def oracle(labels: dict[str, dict[str, Any]]) -> Callable[[list[BaseMessage], str], dict[str, Any]]:
    """Answers from the labels, quoting the first five words after any greeting: a perfect model, for the
    arithmetic."""

    def answer(messages: list[BaseMessage], _tool: str) -> dict[str, Any]:
        text = user_text(messages).rsplit("<message>", 1)[1].split("</message>")[0]
        case = next(c for t, c in labels.items() if fence(t) == text)  # paired cases share their openings
        start, end = body_bounds(text)
        said = text[start:end].strip()
        quote = " ".join(said.splitlines()[0].split(" ")[:5]) if case["conflict"] else ""
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
    # keyed by the text the chain judges (an email without its quoted history, no line to the assistant)
    judged = {without_directives(source_text(c["text"], c["channel"]))[0]: c for c in dev}
    runner, _ = fake_runner(oracle(judged))
    figures = await run_eval(
        "conflicts", runner, SETS / "conflicts.dev.jsonl", bare=False, echo=lambda _l: None
    )
    assert figures["f1"] == 1.0 and figures["accuracy"] == 1.0 and figures["evidence_exact_tp"] == 1.0
    assert figures["cases"] == len(dev) and figures["prompt_tokens_mean"] > 0


async def test_a_local_model_s_figures_rank_and_sweep_thresholds(tmp_path: Path) -> None:
    """The ROC AUC and the figures had alerts started at each threshold from the run's own, from the
    P(conflict) per case: a company picks OKNO_LLM__CONFLICT_THRESHOLD on its staff's verdicts."""
    labelled = [  # (text, conflict, the scripted P(yes))
        ("Сорвали срок третий раз, это безобразие.", True, 0.92),
        ("Спасибо, всё получили, претензий нет.", False, 0.62),
        ("Где акт? Уже неделю ждём.", True, 0.58),
        ("Пришлите счёт на вторую партию.", False, 0.2),
        ("Опять задержка, очень недовольны.", True, 0.3),
    ]
    p_yes = {text: p for text, _conflict, p in labelled}
    path = tmp_path / "cases.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": f"c{n}", "channel": "chat", "text": t, "conflict": c, "category": "none"})
            + "\n"
            for n, (t, c, _p) in enumerate(labelled)
        ),
        encoding="utf-8",
    )

    def choices(prompt: str, options: Sequence[str]) -> list[float]:
        if options[0] != "yes":
            return favour("late", "2")(prompt, options)
        p = next(p for text, p in p_yes.items() if f"<message>{text}</message>" in prompt)
        return [math.log(p), -50.0, math.log(1 - p), -50.0]

    scorer = ScriptedScorer(choices, quote=lambda p: p.rsplit("<message>", 1)[1].split("</message>")[0])
    runner = ChatRunner(ToolCallingFake(responder=lambda _m, _t: pytest.fail("no JSON")), scorer=scorer)
    figures = await run_eval("conflicts", runner, path, bare=False, echo=lambda _l: None, threshold=0.5)
    # conflicts at 0.92, 0.58, 0.3 against calm ones at 0.62, 0.2: four of the six pairs ranked right
    assert figures["roc_auc"] == round(4 / 6, 3)
    sweep = figures["thresholds"]
    assert list(sweep)[:3] == ["0.50", "0.55", "0.60"] and list(sweep)[-1] == "0.90"  # the top P
    assert sweep["0.50"] == {k: figures[k] for k in ("precision", "recall", "f1")}
    assert sweep["0.50"]["precision"] == round(2 / 3, 3) and sweep["0.50"]["recall"] == round(2 / 3, 3)
    assert sweep["0.60"] == {"precision": 0.5, "recall": round(1 / 3, 3), "f1": 0.4}
    assert sweep["0.65"] == {"precision": 1.0, "recall": round(1 / 3, 3), "f1": 0.5}
    assert sweep["0.90"] == {"precision": 1.0, "recall": round(1 / 3, 3), "f1": 0.5}


def rag_oracle(test: list[dict[str, Any]]) -> Callable[[list[BaseMessage], str], dict[str, Any]]:
    """States each question's first keyword and cites what it was given of the labelled messages; asked to
    translate a keyword in another language (rag.py restates such an answer), gives it back as it was."""
    labels = {unfence(fence(q["q"])): q for c in test for q in c["questions"]}

    def answer(messages: list[BaseMessage], tool: str) -> dict[str, Any]:
        prompt = user_text(messages)
        if tool == "Restated":
            return {"text": prompt.split("<message>", 1)[1].split("</message>", 1)[0]}
        question = labels[unfence(prompt.rsplit("Question: ", 1)[1].split("\n")[0].strip())]
        given = {int(i) for i in re.findall(r"id=(\d+)", prompt)}
        return {"text": question["keywords"][0][0], "cites": sorted(given & set(question["relevant"]))}

    return answer


async def test_rag_eval_scores_retrieval_and_answers(fake_runner: Build, tmp_path: Path) -> None:
    test = cases("rag", "test")
    runner, _ = fake_runner(rag_oracle(test))

    def index_at(folder: Path) -> ChromaIndex:
        return ChromaIndex(embedding=StaticEmbedding(), path=folder)

    path = SETS / "rag.test.jsonl"
    figures = await run_eval("rag", runner, path, bare=False, echo=lambda _l: None, index_at=index_at)
    assert figures["questions"] == sum(len(c["questions"]) for c in test) and figures["failures"] == 0
    # the oracle states every fact; it cites a relevant message exactly where retrieval found one
    assert figures["answer_states_fact"] == 1.0
    assert figures["answer_cites_a_relevant_message"] == figures["retrieved_any_at_6"] > 0.5
    assert figures["cites_precision"] == 1.0
    assert figures["prompt_tokens_mean"] > 0 and figures["completion_tokens_mean"] > 0
    assert 0 < figures["recall_at_6"] <= figures["retrieved_any_at_6"]
    bare = await run_eval("rag", runner, path, bare=True, echo=lambda _l: None, index_at=index_at)
    # the latest six messages of each history answer few of its questions
    assert bare["retrieved_any_at_6"] < figures["retrieved_any_at_6"]


def summary_oracle(
    dev: list[dict[str, Any]], skip: str
) -> Callable[[list[BaseMessage], str], dict[str, Any]]:
    """States each case's facts by their first alternative, citing its messages, except the facts of `skip`'s
    case after the first one."""

    def answer(messages: list[BaseMessage], _tool: str) -> dict[str, Any]:
        prompt = user_text(messages)
        case = next(c for c in dev if all(fence(m["text"][:MESSAGE_CHARS]) in prompt for m in c["messages"]))
        facts = case["facts"][:1] if case["id"] == skip else case["facts"]
        cites = [m["id"] for m in case["messages"]]
        # a sentence, not a bare name: the chain drops a point that only names someone
        points = [{"section": "recent", "text": f"сказано: {f[0]}", "cites": cites} for f in facts]
        return {"points": points}

    return answer


async def test_summary_eval_counts_facts_and_names_the_missed_ones(
    fake_runner: Build, tmp_path: Path
) -> None:
    """Every dev case stated, and one more whose second fact only an older client message tells: the chain
    itself quotes the newest message and staff messages naming a deadline, so a fact there is never missed."""
    skipped: dict[str, Any] = {
        "id": "sx001",
        "client": {"name": "ООО Склад", "inn": None, "contacts": []},
        "messages": [
            {
                "id": 1,
                "at": "2026-11-05T10:00:00+03:00",
                "channel": "telegram",
                "author": "client",
                "text": "На складе сломался погрузчик.",
            },
            {
                "id": 2,
                "at": "2026-11-05T10:05:00+03:00",
                "channel": "telegram",
                "author": "client",
                "text": "Ждём ответа.",
            },
        ],
        "facts": [["склад"], ["погрузчик"]],
    }
    dev = [*cases("summary", "dev"), skipped]
    path = tmp_path / "summary.jsonl"
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in dev), encoding="utf-8")
    runner, _ = fake_runner(summary_oracle(dev, "sx001"))
    lines: list[str] = []
    figures = await run_eval("summary", runner, path, bare=False, echo=lines.append)
    total = sum(len(c["facts"]) for c in dev)
    assert figures["fact_recall"] == round((total - 1) / total, 3)
    assert figures["all_facts"] == round((len(dev) - 1) / len(dev), 3) and figures["points_cited"] == 1.0
    [miss] = [line for line in lines if line.startswith("ERR")]
    assert miss.startswith("ERR sx001 facts 1/2 ") and miss.endswith("missed: погрузчик")


def test_eval_and_models_commands_are_installed() -> None:
    result = CliRunner().invoke(main, ["eval", "--help"])
    assert result.exit_code == 0 and "--bare" in result.output and "--file" in result.output
    assert CliRunner().invoke(main, ["models", "prepare", "--help"]).exit_code == 0


def test_eval_with_a_missing_model_explains(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKNO_MODEL_CACHE", str(tmp_path))
    result = CliRunner().invoke(main, ["eval", "conflicts", "--model", "1.5b"])
    assert result.exit_code != 0 and "okno models prepare 1.5b" in result.output
