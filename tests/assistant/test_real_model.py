"""The real local 0.5B model end to end (marked `llm`; one model load per module, a few short calls)."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.chains.conflict import analyze_conflict
from assistant.chains.tasks import extract_tasks
from assistant.config import SMALL_MODEL_CONFLICT_THRESHOLD, SMALL_MODEL_PLAIN_WEIGHT, LlmSettings
from assistant.llm import ChatRunner
from assistant.local_models import ModelMissing, model_path
from tests.assistant.conftest import STAFF

# The hang guard covers loading the model and each framing's cold few-shot prefix: ~40 s on two quiet Intel
# cores, ~2 minutes for the first test on two 2 GHz AMD EPYC cores (2026-12-05), past the 120 s default.
pytestmark = [pytest.mark.llm, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def runner() -> ChatRunner:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is built by scripts/setup.sh")
    try:
        model_path("0.5b")
    except ModelMissing as exc:
        pytest.fail(f"the 0.5B model is part of the set-up: {exc}")
    return ChatRunner.from_settings(LlmSettings(model="0.5b", n_ctx=4096, n_threads=2), model="0.5b")


async def test_a_conflict_and_a_calm_message_through_the_real_model(runner: ChatRunner) -> None:
    assert runner.scorer is not None and runner.conflict_threshold == SMALL_MODEL_CONFLICT_THRESHOLD
    assert runner.conflict_plain_weight == SMALL_MODEL_PLAIN_WEIGHT
    threshold = runner.conflict_threshold
    angry = await analyze_conflict(
        runner, "Заказ обещали во вторник, уже пятница. Это безобразие!", channel="chat", threshold=threshold
    )
    calm = await analyze_conflict(
        runner, "Спасибо, документы получили, всё в порядке.", channel="chat", threshold=threshold
    )
    assert angry.confidence is not None and calm.confidence is not None
    assert angry.confidence > calm.confidence and not calm.alert
    assert angry.alert and angry.evidence is not None and angry.evidence in angry.source


async def test_the_structured_path_answers_in_json_through_the_real_model() -> None:
    """What a remote model does, on the local one: one schema-checked verdict, its quote verified."""
    settings = LlmSettings(model="0.5b", n_ctx=4096, n_threads=2, conflict_method="structured")
    runner = ChatRunner.from_settings(settings, model="0.5b")
    assert runner.scorer is None
    angry = await analyze_conflict(
        runner, "Заказ обещали во вторник, уже пятница. Это безобразие!", channel="chat"
    )
    assert angry.usage.prompt_tokens > 0 and angry.usage.completion_tokens > 0
    if angry.alert:  # whatever the small model says, an alert's quote stands in the source
        assert angry.evidence is not None and angry.evidence in angry.source
    assert runner.totals["conflict"].calls == 1


async def test_the_scored_conflict_path_runs_end_to_end(runner: ChatRunner) -> None:
    result = await analyze_conflict(
        runner, "Заказ обещали во вторник, уже пятница. Это безобразие!", channel="chat", threshold=0.01
    )
    assert result.confidence is not None and 0 < result.confidence < 1
    assert result.verdict.conflict and result.verdict.category != "none"
    assert result.evidence is None or result.evidence in result.source
    assert result.usage.evaluated_tokens > 0 and runner.totals["conflict"].calls >= 4


async def test_a_kept_prefix_comes_back_after_another_chain_used_the_model(runner: ChatRunner) -> None:
    scorer = runner.scorer
    assert scorer is not None
    keep = scorer.render([("system", "Answer yes or no. " * 40)])
    prompt = keep + "<|im_start|>user\nIs the sky green?<|im_end|>\n<|im_start|>assistant\n"
    first, _, _ = scorer.choose(prompt, ["yes", "no"], keep=keep)
    # another chain runs a different prompt on the same llama.cpp instance and replaces the KV cache
    await runner.complete("Write one word:", chain="t_other", max_tokens=2)
    again, total, evaluated = scorer.choose(prompt, ["yes", "no"], keep=keep)
    assert evaluated < total / 4, "only the message after the kept prefix is evaluated again"
    assert again == pytest.approx(first, abs=0.05)


def test_the_scorer_reads_the_models_own_rope_settings() -> None:
    """ChatLlamaCpp's default RoPE base (10,000) would override Qwen2.5's 1,000,000: compare with a plain
    llama.cpp load that takes every setting from the GGUF."""
    from llama_cpp import Llama

    from assistant.scoring import LocalScorer

    settings = LlmSettings(model="0.5b", n_ctx=1024, n_threads=2, conflict_method="scored")
    runner = ChatRunner.from_settings(settings, model="0.5b")
    llama = Llama(model_path=str(model_path("0.5b")), n_ctx=1024, n_threads=2, verbose=False)
    try:
        plain = LocalScorer(llama)
        assert runner.scorer is not None
        text = "Вы обещали доставку во вторник, сегодня пятница. " * 12 + "Это конфликт? Ответ:"
        prompt = plain.render([("user", text)])
        ours, _, _ = runner.scorer.choose(prompt, [" да", " нет"])
        theirs, _, _ = plain.choose(prompt, [" да", " нет"])
        assert ours == pytest.approx(theirs, abs=0.05)
    finally:
        llama.close()


def test_options_that_share_tokens_or_merge_with_the_prompt_are_scored_whole(runner: ChatRunner) -> None:
    scorer = runner.scorer
    assert scorer is not None
    prompt = scorer.render([("user", "Reply with a colour.")])
    # " blue" and " blue sky" share their first token; a prompt ending in a space merges with the options
    shared, _, _ = scorer.choose(prompt + "The colour is", [" blue", " blue sky"])
    merged, _, _ = scorer.choose(prompt + "The colour is ", ["blue", "blue sky"])
    assert shared[1] < shared[0] and merged[1] < merged[0]  # a longer continuation carries more tokens
    assert all(score < 0 for score in shared + merged)


async def test_a_task_note_through_the_real_model(runner: ChatRunner) -> None:
    now = datetime.fromisoformat("2026-11-24T10:00:00+03:00")
    out = await extract_tasks(
        runner, "Ване подготовить договор до пятницы", author="Мария Петрова", staff=STAFF, now=now
    )
    assert out.tasks, "a plain one-task note gives a task"
    task = out.tasks[0]
    assert task.assignee in (*STAFF, "?", None)  # checked against the directory, never free text
    assert task.due is None or task.due.at.tzinfo is not None


def test_a_set_threshold_wins_over_the_size_default() -> None:
    settings = LlmSettings(model="0.5b", n_ctx=1024, n_threads=2, conflict_threshold=0.3)
    configured = ChatRunner.from_settings(settings, model="0.5b")
    assert configured.conflict_threshold == 0.3  # a company's threshold; the small model's blend stays
    assert configured.conflict_plain_weight == SMALL_MODEL_PLAIN_WEIGHT
