"""The model factory and the runner: clear errors, retries on bad output, timeouts, token accounting."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage
from prometheus_client import REGISTRY

from assistant.config import LlmSettings
from assistant.llm import ChatRunner, LlmFailed, LlmUnavailable, build_chat_model, describe
from assistant.local_models import LocalModel, ModelMissing, _part_files, resolve
from assistant.schemas import ConflictVerdict
from tests.assistant.fakes import ScriptedScorer, ToolCallingFake

GOOD = {"conflict": False, "category": "none", "severity": 0, "evidence": "", "reason": "ok"}
PROMPT: list[BaseMessage] = [HumanMessage("x")]


def test_openai_provider_needs_a_url_and_builds_with_one() -> None:
    with pytest.raises(LlmUnavailable, match="BASE_URL"):
        build_chat_model(LlmSettings(provider="openai", model="m"))
    chat = build_chat_model(LlmSettings(provider="openai", model="m", base_url="http://127.0.0.1:9/v1"))
    assert type(chat).__name__ == "ChatOpenAI"


def test_ollama_without_its_package_says_how_to_get_it() -> None:
    try:
        import langchain_ollama  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        with pytest.raises(LlmUnavailable, match="pip install langchain-ollama"):
            build_chat_model(LlmSettings(provider="ollama", model="qwen2.5"))
    else:
        assert build_chat_model(LlmSettings(provider="ollama", model="qwen2.5"))


def test_a_missing_local_model_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKNO_MODEL_CACHE", str(tmp_path))
    with pytest.raises(ModelMissing, match=r"okno models prepare 1\.5b"):
        resolve("1.5b")
    with pytest.raises(ModelMissing, match="no GGUF file"):
        resolve(str(tmp_path / "none.gguf"))
    absent = LocalModel("x", "x.gguf", "okno-no-such-model-part", 2, "1.0", 1, "0" * 64)
    with pytest.raises(ModelMissing, match="okno-no-such-model-part"):
        _part_files(absent)


def test_a_worker_is_told_whether_the_assistant_runs_and_on_what(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    level, line = describe(LlmSettings())
    assert (level, "OKNO_LLM__ENABLED" in line) == (logging.WARNING, True)
    monkeypatch.setenv("OKNO_MODEL_CACHE", str(tmp_path))
    level, line = describe(LlmSettings(enabled=True, model="1.5b"))
    assert level == logging.ERROR and "okno models prepare 1.5b" in line
    gguf = tmp_path / "ours.gguf"
    gguf.write_bytes(b"GGUF")
    assert describe(LlmSettings(enabled=True, model=str(gguf))) == (
        logging.INFO,
        f"assistant on: local model {gguf}",
    )
    level, line = describe(LlmSettings(enabled=True, provider="openai", model="m"))
    assert level == logging.ERROR and "OKNO_LLM__BASE_URL" in line
    level, line = describe(
        LlmSettings(
            enabled=True, provider="openai", model="qwen", base_url="https://u:s3cret@llm.example/v1?key=k3y"
        )
    )
    assert line == "assistant on: openai model qwen at https://llm.example/v1"


def scripted(*answers: Any) -> Callable[[list[BaseMessage], str], dict[str, Any]]:
    queue = list(answers)

    def answer(_messages: list[BaseMessage], _tool: str) -> dict[str, Any]:
        item = queue.pop(0)
        if isinstance(item, float):
            time.sleep(item)
            return GOOD
        return dict(item)

    return answer


def counter(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_bad_output_is_retried_and_counted() -> None:
    before = counter("okno_llm_calls_total", chain="t_retry", outcome="retry")
    runner = ChatRunner(ToolCallingFake(responder=scripted({"conflict": "maybe"}, GOOD)), max_retries=1)
    result, usage = await runner.run(ConflictVerdict, PROMPT, chain="t_retry")
    assert result.reason == "ok"
    assert counter("okno_llm_calls_total", chain="t_retry", outcome="retry") == before + 1
    assert usage.completion_tokens > 0
    assert counter("okno_llm_tokens_total", chain="t_retry", kind="completion") > 0


async def test_no_valid_answer_within_the_retries_fails_and_is_totalled() -> None:
    runner = ChatRunner(ToolCallingFake(responder=scripted({"x": 1}, {"y": 2})), max_retries=1)
    with pytest.raises(LlmFailed):
        await runner.run(ConflictVerdict, PROMPT, chain="t_fail")
    assert runner.totals["t_fail"].failures == 1 and runner.totals["t_fail"].calls == 0


async def test_a_slow_call_times_out_then_the_retry_answers() -> None:
    # the timed-out call still holds the model (llama.cpp cannot be interrupted): the retry waits for it
    runner = ChatRunner(ToolCallingFake(responder=scripted(0.3, GOOD)), timeout_s=0.2, max_retries=2)
    result, _ = await runner.run(ConflictVerdict, PROMPT, chain="t_timeout")
    assert result.conflict is False


async def test_a_local_models_timeout_allows_for_reading_a_long_prompt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """llama.cpp reads the whole prompt before answering: a long one on slow cores is not a hung call. A
    remote server gets the plain timeout."""
    monkeypatch.setattr("assistant.llm.COLD_TOKENS_PER_S", 4.0)
    long: list[BaseMessage] = [HumanMessage("x" * 6)]  # 2 "tokens": +0.5 s
    for local, retries in ((True, 0), (False, 1)):
        runner = ChatRunner(ToolCallingFake(responder=scripted(0.3, GOOD)), timeout_s=0.2, local=local)
        await runner.run(ConflictVerdict, long, chain=f"t_read_{local}")
        assert counter("okno_llm_calls_total", chain=f"t_read_{local}", outcome="retry") == retries


async def test_a_timeout_is_named_in_the_failure() -> None:
    runner = ChatRunner(ToolCallingFake(responder=scripted(0.3, 0.3)), timeout_s=0.1, max_retries=1)
    with pytest.raises(LlmFailed, match=r"chain t_named: TimeoutError\(\)"):
        await runner.run(ConflictVerdict, PROMPT, chain="t_named")


class _SlowScorer(ScriptedScorer):
    """Takes `seconds` per call; a kept prefix is cold (2 tokens to evaluate) until its first call ends."""

    def __init__(self, seconds: float) -> None:
        super().__init__(lambda _prompt, options: [0.0] * len(options))
        self.seconds, self.kept = seconds, set[str]()

    def cold(self, keep: str) -> int:
        return 0 if not keep or keep in self.kept else 2

    def choose(self, prompt: str, options: Sequence[str], *, keep: str = "") -> tuple[list[float], int, int]:
        time.sleep(self.seconds)
        self.kept.add(keep)
        return super().choose(prompt, options, keep=keep)


async def test_a_cold_prefix_extends_the_timeout_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first call over a few-shot prefix evaluates it (minutes on slow cores): not a hung call. Later
    calls over the same prefix, and calls without one, keep the plain timeout."""
    monkeypatch.setattr("assistant.llm.COLD_TOKENS_PER_S", 4.0)  # 2 tokens: +0.5 s
    runner = ChatRunner(ToolCallingFake(responder=scripted(GOOD)), timeout_s=0.2, scorer=_SlowScorer(0.4))
    scores, _ = await runner.choose("few-shot + message", ["yes", "no"], chain="t_cold", keep="few-shot")
    assert scores == [0.0, 0.0]
    with pytest.raises(LlmFailed, match="TimeoutError"):
        await runner.choose("few-shot + other", ["yes", "no"], chain="t_cold", keep="few-shot")
    with pytest.raises(LlmFailed, match="TimeoutError"):
        await runner.choose("no prefix", ["yes", "no"], chain="t_cold")


async def test_a_call_waiting_for_the_model_is_not_late_for_the_wait() -> None:
    """Two calls in one process (a conflict check beside the staff bot's summary) take turns on the model:
    the timeout counts from a call's turn, so the second is not failed for the first one's time."""
    runner = ChatRunner(
        ToolCallingFake(responder=scripted(0.3, GOOD)), timeout_s=0.45, scorer=_SlowScorer(0.3)
    )
    checks = [runner.choose(f"message {n}", ["yes", "no"], chain="t_turns") for n in range(3)]
    summary = asyncio.ensure_future(runner.run(ConflictVerdict, PROMPT, chain="t_turns_run"))
    scores = await asyncio.gather(*checks)
    verdict, _ = await summary
    assert [s for s, _ in scores] == [[0.0, 0.0]] * 3 and verdict.reason == "ok"
    assert runner.totals["t_turns"].failures == 0 and runner.totals["t_turns"].calls == 3
    assert counter("okno_llm_calls_total", chain="t_turns_run", outcome="retry") == 0


async def test_a_call_still_times_out_once_it_has_the_model() -> None:
    runner = ChatRunner(ToolCallingFake(responder=scripted(GOOD)), timeout_s=0.1, scorer=_SlowScorer(0.3))
    with pytest.raises(LlmFailed, match="TimeoutError"):
        await runner.choose("message", ["yes", "no"], chain="t_turn_late")


async def test_a_stray_stop_iteration_fails_the_call_at_once() -> None:
    """asyncio cannot put StopIteration into a Future: raised in the model's thread, the call hung until its
    timeout and was retried (a fake's exhausted next() held a test for two minutes)."""

    def exhausted(_messages: list[BaseMessage], _tool: str) -> dict[str, Any]:
        raise StopIteration

    runner = ChatRunner(ToolCallingFake(responder=exhausted), timeout_s=5, max_retries=0)
    with pytest.raises(RuntimeError, match="StopIteration"):
        await runner.run(ConflictVerdict, PROMPT, chain="t_stop")
