"""One factory for chat models from settings, and a runner that gets structured output with timeouts, retries
and token accounting (Prometheus + per-chain totals)."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import threading
import time
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from prometheus_client import Counter, Histogram
from pydantic import BaseModel, ValidationError

from assistant.config import (
    CONFLICT_THRESHOLD,
    SMALL_MODEL_CONFLICT_THRESHOLD,
    SMALL_MODEL_PARAMS,
    SMALL_MODEL_PLAIN_WEIGHT,
    LlmSettings,
)
from assistant.local_models import ModelMissing, resolve
from assistant.scoring import LocalScorer, Scorer

if TYPE_CHECKING:  # langchain loads with the first model (not in `okno serve`'s start-up, seconds and MBs)
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import LLMResult

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")
COLD_TOKENS_PER_S = 8.0  # the slowest prompt reading to allow for (1.5B model, 2 slow cores: ~19 tokens/s)
CHARS_PER_TOKEN = 3.0  # Russian text in Qwen's tokenizer, about

LLM_CALLS = Counter("okno_llm_calls_total", "Chat model calls by chain and outcome", ["chain", "outcome"])
LLM_TOKENS = Counter(
    "okno_llm_tokens_total", "Tokens by chain and kind (prompt, completion)", ["chain", "kind"]
)
LLM_SECONDS = Histogram(
    "okno_llm_call_seconds", "Wall time of one chain call", ["chain"], buckets=(0.5, 1, 2, 3, 5, 10, 30, 60)
)


class LlmUnavailable(RuntimeError):
    """The configured provider cannot be built (missing package, model or URL)."""


class LlmFailed(RuntimeError):
    """The model gave no valid structured answer within the retries."""


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    evaluated_tokens: int = 0  # prompt tokens the model actually ran (the rest came from its prefix cache)

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.evaluated_tokens += other.evaluated_tokens


@dataclass
class ChainTotals:
    calls: int = 0
    failures: int = 0
    seconds: float = 0.0
    usage: Usage = field(default_factory=Usage)


class _UsageCounter:
    """Reads token counts from either llm_output (llama.cpp) or usage_metadata (OpenAI-style messages)."""

    def __init__(self) -> None:
        self.usage = Usage()

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        counted = (response.llm_output or {}).get("token_usage") or {}
        if counted:
            self.usage.add(Usage(counted.get("prompt_tokens", 0), counted.get("completion_tokens", 0)))
            return
        for generations in response.generations:
            for gen in generations:
                meta = getattr(getattr(gen, "message", None), "usage_metadata", None) or {}
                self.usage.add(Usage(meta.get("input_tokens", 0), meta.get("output_tokens", 0)))


@cache
def _usage_callback_class() -> type[_UsageCounter]:
    """The counter as langchain's callback handler, made on first use (langchain is imported lazily)."""
    from langchain_core.callbacks import BaseCallbackHandler

    return type("_UsageCallback", (_UsageCounter, BaseCallbackHandler), {})


def describe(settings: LlmSettings) -> tuple[int, str]:
    """(log level, line) for a worker that serves the llm queue: which model its jobs run on, or why none.

    Said at start, so an install whose assistant is off or whose model is missing learns it from the log
    rather than from alerts that never come."""
    if not settings.enabled:
        return logging.WARNING, (
            "assistant off (OKNO_LLM__ENABLED is not true): the llm queue's jobs return at once,"
            " no conflict alerts, form fill or call analysis"
        )
    if settings.provider == "local":
        try:
            return logging.INFO, f"assistant on: local model {resolve(settings.model)}"
        except ModelMissing as exc:
            return logging.ERROR, f"assistant on, but {exc}"
    if settings.provider == "openai" and not settings.base_url:
        return logging.ERROR, "assistant on, but OKNO_LLM__BASE_URL is required for the openai provider"
    where = _host(settings.base_url) if settings.base_url else "its default host"
    return logging.INFO, f"assistant on: {settings.provider} model {settings.model} at {where}"


def _host(url: str) -> str:
    """The URL without user, password or query: a key may sit in any of them."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else host


def build_chat_model(settings: LlmSettings, *, model: str | None = None) -> BaseChatModel:
    """local (llama.cpp GGUF), openai (any OpenAI-compatible URL) or ollama, from settings."""
    name = model or settings.model
    if settings.provider == "local":
        path = resolve(name)  # a missing model says how to get it before anything heavy loads
        with warnings.catch_warnings():
            # langchain-community announces its sunset on import; ChatLlamaCpp is still where it lives
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_community.chat_models import ChatLlamaCpp

        return ChatLlamaCpp(
            model_path=str(path),
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads,
            n_batch=256,
            # 0 = the GGUF's own RoPE values: ChatLlamaCpp's defaults (base 10,000) override Qwen2.5's 1e6
            # and quietly degrade every answer on prompts longer than a few hundred tokens
            rope_freq_base=0.0,
            rope_freq_scale=0.0,
            temperature=settings.temperature,
            max_tokens=768,  # a full summary; short answers stop early
            verbose=False,
        )
    if settings.provider == "openai":
        from langchain_openai import ChatOpenAI

        if not settings.base_url:
            raise LlmUnavailable("OKNO_LLM__BASE_URL is required for the openai provider")
        return ChatOpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key or "none",
            model=name,
            temperature=settings.temperature,
            timeout=settings.timeout_s,
            max_retries=0,  # the runner retries, counting each attempt
        )
    if importlib.util.find_spec("langchain_ollama") is None:
        raise LlmUnavailable(
            "the ollama provider needs the langchain-ollama package: pip install langchain-ollama"
        )
    from langchain_ollama import ChatOllama  # type: ignore[import-not-found,unused-ignore]

    chat: BaseChatModel = ChatOllama(model=name, base_url=settings.base_url, temperature=settings.temperature)
    return chat


class ChatRunner:
    """One loaded model per process, one call at a time (llama.cpp keeps the shared prompt prefix cached).

    A local model also gets a scorer: chains that pick among fixed answers read its token probabilities
    instead of asking it to write JSON (assistant/scoring.py)."""

    def __init__(
        self,
        model: BaseChatModel,
        *,
        timeout_s: float = 60.0,
        max_retries: int = 2,
        function_calling: bool = False,
        scorer: Scorer | None = None,
        local: bool = False,
    ) -> None:
        self.model = model
        self.local = local  # llama.cpp in this process: a long prompt is slow to read before the answer
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.function_calling = function_calling
        self.scorer = scorer
        self.totals: dict[str, ChainTotals] = defaultdict(ChainTotals)
        self.conflict_threshold = CONFLICT_THRESHOLD  # a local model's P(conflict) to alert from
        self.conflict_plain_weight = 0.0  # the plain question's share of it (chains/conflict.py)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: LlmSettings, *, model: str | None = None) -> ChatRunner:
        chat = build_chat_model(settings, model=model)
        scorer = None
        if settings.provider == "local" and settings.conflict_method != "structured":
            # the same llama.cpp instance: one copy of the weights, one KV cache (prefixes are saved)
            scorer = LocalScorer(chat.client)  # type: ignore[attr-defined]
        runner = cls(
            chat,
            timeout_s=settings.timeout_s,
            max_retries=settings.max_retries,
            function_calling=settings.provider == "openai",
            scorer=scorer,
            local=settings.provider == "local",
        )
        if settings.conflict_threshold is not None:
            runner.conflict_threshold = settings.conflict_threshold
        if scorer is not None and scorer.n_params < SMALL_MODEL_PARAMS:
            runner.conflict_plain_weight = SMALL_MODEL_PLAIN_WEIGHT
            if settings.conflict_threshold is None:
                runner.conflict_threshold = SMALL_MODEL_CONFLICT_THRESHOLD
        return runner

    async def _scored(self, chain: str, call: Callable[[Scorer], R], *, keep: str = "") -> R:
        """One scorer call in a thread, under the runner's lock, with its timeout and the chain's counts.

        A few-shot prefix not yet evaluated in this process (`keep`) is a known one-off cost, not a hung
        call: its tokens extend the timeout at COLD_TOKENS_PER_S (a 2,400-token prefix took ~2 minutes on
        two slow 2 GHz cores, past the 120 s default, and the first check after each start failed)."""
        scorer = self.scorer
        if scorer is None:
            raise LlmUnavailable("this model has no local scorer (a remote provider answers with run())")
        timeout = self.timeout_s + scorer.cold(keep) / COLD_TOKENS_PER_S
        totals = self.totals[chain]
        started = time.perf_counter()
        try:
            result = await self._in_turn(lambda: call(scorer), timeout)
        except (TimeoutError, ValueError, OSError, RuntimeError) as exc:
            LLM_CALLS.labels(chain, "failed").inc()
            totals.failures += 1
            raise LlmFailed(f"chain {chain}: {exc!r}"[:300]) from exc
        finally:
            self._timed(chain, started)
        LLM_CALLS.labels(chain, "ok").inc()
        totals.calls += 1
        return result

    async def _in_turn(self, call: Callable[[], R], timeout: float) -> R:
        """call() in a thread once it holds the model; its timeout counts from then. A call queued behind
        another one (the staff bot's summary beside a conflict check in the same process, or a timed-out
        call that llama.cpp cannot interrupt) is not late for having waited."""
        loop = asyncio.get_running_loop()
        holding = asyncio.Event()

        def locked() -> R:
            with self._lock:
                loop.call_soon_threadsafe(holding.set)
                try:
                    return call()
                except StopIteration as exc:  # a Future cannot carry it: the call would hang to its timeout
                    raise RuntimeError(f"the model call raised {exc!r}") from exc

        work = asyncio.ensure_future(asyncio.to_thread(locked))
        turn = asyncio.ensure_future(holding.wait())
        try:
            await asyncio.wait({work, turn}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            work.cancel()  # the thread, once it has the model, still runs to its end
            raise
        finally:
            turn.cancel()
        return await asyncio.wait_for(work, timeout)

    def _timed(self, chain: str, started: float) -> None:
        """One call's wall time into the histogram and the chain's totals (runs and scorer calls alike)."""
        elapsed = time.perf_counter() - started
        LLM_SECONDS.labels(chain).observe(elapsed)
        self.totals[chain].seconds += elapsed

    @staticmethod
    def _tokens(chain: str, usage: Usage) -> None:
        LLM_TOKENS.labels(chain, "prompt").inc(usage.prompt_tokens)
        LLM_TOKENS.labels(chain, "completion").inc(usage.completion_tokens)

    def _count(self, chain: str, usage: Usage) -> Usage:
        self.totals[chain].usage.add(usage)
        self._tokens(chain, usage)
        return usage

    async def choose(
        self, prompt: str, options: Sequence[str], *, chain: str, keep: str = ""
    ) -> tuple[list[float], Usage]:
        """The log-probability of each option as the model's continuation of prompt (a local model only);
        `keep`, the fixed start of prompt, stays cached across other calls."""
        scores, prompt_tokens, evaluated = await self._scored(
            chain, lambda s: s.choose(prompt, options, keep=keep), keep=keep
        )
        return scores, self._count(chain, Usage(prompt_tokens, 0, evaluated))

    async def complete(
        self, prompt: str, *, chain: str, max_tokens: int, stop: Sequence[str] = ("\n",), keep: str = ""
    ) -> tuple[str, Usage]:
        """A short greedy continuation of prompt (a local model only)."""
        text, prompt_tokens, completion = await self._scored(
            chain, lambda s: s.complete(prompt, max_tokens=max_tokens, stop=stop, keep=keep), keep=keep
        )
        return text, self._count(chain, Usage(prompt_tokens, completion))

    def _invoke(self, schema: type[T], messages: list[BaseMessage], callback: _UsageCounter) -> T:
        kwargs: dict[str, Any] = {"include_raw": True}
        if self.function_calling:
            kwargs["method"] = "function_calling"  # json_schema answers HTTP 500 on llama.cpp's server
        bound = self.model.with_structured_output(schema, **kwargs)
        # the counter is a BaseCallbackHandler at run time (_usage_callback_class)
        out = bound.invoke(messages, config={"callbacks": [callback]})  # type: ignore[arg-type]
        parsed = out.get("parsed") if isinstance(out, dict) else out
        if isinstance(parsed, schema):
            return parsed
        error = out.get("parsing_error") if isinstance(out, dict) else None
        raise LlmFailed(f"no valid {schema.__name__}: {error!r}"[:300])

    def _reading_time(self, messages: list[BaseMessage]) -> float:
        """What a local model may spend reading the prompt before it answers, on top of the timeout: the
        staff bot's summary (~2,000 prompt tokens) timed out at 120 s on two slow cores and was read twice."""
        if not self.local:
            return 0.0
        chars = sum(len(str(m.content)) for m in messages)
        return chars / CHARS_PER_TOKEN / COLD_TOKENS_PER_S

    async def run(self, schema: type[T], messages: list[BaseMessage], *, chain: str) -> tuple[T, Usage]:
        totals = self.totals[chain]
        usage = Usage()
        last: Exception | None = None
        timeout = self.timeout_s + self._reading_time(messages)
        for attempt in range(self.max_retries + 1):
            callback = _usage_callback_class()()
            started = time.perf_counter()
            try:
                result = await self._in_turn(partial(self._invoke, schema, messages, callback), timeout)
            except (LlmFailed, ValidationError, TimeoutError, ValueError, OSError) as exc:
                last = exc
                LLM_CALLS.labels(chain, "retry" if attempt < self.max_retries else "failed").inc()
                # repr: a timeout's str() is empty
                log.warning("chain %s attempt %d failed: %s", chain, attempt + 1, repr(exc)[:200])
                continue
            finally:
                self._timed(chain, started)
                usage.add(callback.usage)
                self._tokens(chain, callback.usage)
            LLM_CALLS.labels(chain, "ok").inc()
            totals.calls += 1
            totals.usage.add(usage)
            return result, usage
        totals.failures += 1
        totals.usage.add(usage)
        raise LlmFailed(f"chain {chain}: {str(last) or repr(last)}"[:300])  # a timeout's str() is empty
