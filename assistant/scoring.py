"""Answers ranked by a local model's own token probabilities: one forward pass per question, no JSON written.

A small model on two cores writes ~15 tokens a second, so a JSON verdict costs seconds before any thinking
is done. Reading the probability of each allowed answer after the prompt costs one pass over the new tokens
of the prompt only, and gives a calibrated score that a threshold can be tuned on.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from llama_cpp import Llama

Turn = tuple[str, str]  # (role, content): system | user | assistant


class Scorer(Protocol):
    """What a chain needs from a local model to rank fixed answers (a fake implements it in tests)."""

    def render(self, turns: Sequence[Turn]) -> str:
        """The turns in the model's chat template, ending where the assistant's answer starts."""
        ...

    def choose(self, prompt: str, options: Sequence[str], *, keep: str = "") -> tuple[list[float], int, int]:
        """Each option's log-probability after prompt; (log-probs, prompt tokens, tokens evaluated).
        `keep`: the fixed start of prompt worth keeping cached across other calls."""
        ...

    def complete(
        self, prompt: str, *, max_tokens: int, stop: Sequence[str], keep: str = ""
    ) -> tuple[str, int, int]:
        """Greedy continuation of prompt; (text, prompt tokens, completion tokens)."""
        ...

    def cold(self, keep: str) -> int:
        """Tokens of `keep` a call would still evaluate (0 once its state is saved)."""
        ...


def _log_softmax(logits: Any) -> Any:
    import numpy as np

    top = float(np.max(logits))
    return logits - (top + math.log(float(np.sum(np.exp(logits - top)))))


def _common(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class LocalScorer:
    """A llama.cpp model (the chat model's own instance: one copy of the weights), one question at a time.

    `keep` names the fixed part of a prompt (instructions and examples). Its KV state is saved once and put
    back when other prompts (another framing, the summary chain) have replaced it, so a long few-shot prefix
    is evaluated once per process instead of after every other call (~15 s on two cores)."""

    def __init__(self, llama: Llama) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self._llama = llama
        self._template: Any = Jinja2ChatFormatter(
            template=llama.metadata["tokenizer.chat_template"],
            eos_token=self._special(llama, llama.token_eos()),
            bos_token=self._special(llama, llama.token_bos()),  # placed by the template, if it wants one
            add_generation_prompt=True,
        )
        self._kept: dict[str, tuple[list[int], Any]] = {}  # keep text -> (its tokens, the saved KV state)
        self._lock = threading.Lock()

    @property
    def n_params(self) -> int:
        return int(self._llama._model.n_params())

    @staticmethod
    def _special(llama: Llama, token: int) -> str:
        return llama.detokenize([token], special=True).decode("utf-8", "replace") if token >= 0 else ""

    def _tokens(self, text: str) -> list[int]:
        return self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def cold(self, keep: str) -> int:
        return 0 if not keep or keep in self._kept else len(self._tokens(keep))

    def render(self, turns: Sequence[Turn]) -> str:
        result = self._template(messages=[{"role": r, "content": c} for r, c in turns])
        return str(result.prompt)

    def _cached(self) -> list[int]:
        llama = self._llama
        return list(llama.input_ids[: llama.n_tokens].tolist())

    def _eval(self, tokens: list[int]) -> int:
        """Bring the KV cache to exactly `tokens`, evaluating only what it lacks; returns how many were."""
        llama = self._llama
        keep = _common(self._cached(), tokens)
        if keep == len(tokens):
            llama.n_tokens = keep
            llama._ctx.kv_cache_seq_rm(-1, keep, -1)  # nothing past `tokens` may go into a saved state
            return 0
        llama.n_tokens = keep  # eval() drops the KV cache past this point
        llama.eval(tokens[keep:])
        return len(tokens) - keep

    def _restore(self, keep: str, tokens: list[int]) -> int:
        """Put the saved state of the fixed prefix back if the cache lost it; save it the first time."""
        import ctypes

        import llama_cpp

        if not keep:
            return 0
        if keep not in self._kept:
            fixed = tokens[: _common(self._tokens(keep), tokens)]
            evaluated = self._eval(fixed)
            ctx = self._llama._ctx.ctx
            size = llama_cpp.llama_state_seq_get_size(ctx, 0)
            state = (ctypes.c_uint8 * size)()
            llama_cpp.llama_state_seq_get_data(ctx, state, size, 0)
            self._kept[keep] = (fixed, state)
            return evaluated
        fixed, state = self._kept[keep]
        if _common(self._cached(), fixed) < len(fixed):
            self._llama._ctx.kv_cache_seq_rm(-1, 0, -1)
            if not llama_cpp.llama_state_seq_set_data(self._llama._ctx.ctx, state, len(state), 0):
                raise RuntimeError("llama.cpp refused the saved prompt state")
            self._llama.input_ids[: len(fixed)] = fixed
            self._llama.n_tokens = len(fixed)
        return 0

    def _next_logprobs(self, tokens: list[int]) -> tuple[Any, int]:
        """Log-probabilities of the token after `tokens`, reusing the longest cached prefix (KV cache)."""
        import numpy as np

        llama = self._llama
        if _common(self._cached(), tokens) == len(tokens):
            llama.n_tokens = len(tokens) - 1  # fresh logits need at least one evaluated token
        evaluated = self._eval(tokens)
        last = llama._ctx.get_logits()  # type: ignore[no-untyped-call]  # the last token's row (logits_all off)
        logits = np.ctypeslib.as_array(last, shape=(llama.n_vocab(),))
        return _log_softmax(logits.astype(np.float64)), evaluated

    def choose(self, prompt: str, options: Sequence[str], *, keep: str = "") -> tuple[list[float], int, int]:
        if not options:
            raise ValueError("no options to choose from")
        with self._lock:
            base = self._tokens(prompt)
            evaluated = self._restore(keep, base)
            seqs = [self._tokens(prompt + option) for option in options]
            # Where the options start: a prompt's last token may merge with an option's first (BPE), so the
            # options are scored from the longest prefix all of them share with the prompt.
            start = min(min(_common(base, s) for s in seqs), *(len(s) - 1 for s in seqs))
            found: dict[tuple[int, ...], Any] = {}
            scores = []
            for seq in seqs:
                total = 0.0
                for k in range(start, len(seq)):  # a multi-token option: walk its tokens (shared steps once)
                    key = tuple(seq[start:k])
                    if key not in found:
                        found[key], fresh = self._next_logprobs(seq[:k])
                        evaluated += fresh
                    total += float(found[key][seq[k]])
                scores.append(total)
        return scores, len(base), evaluated

    def complete(
        self, prompt: str, *, max_tokens: int, stop: Sequence[str], keep: str = ""
    ) -> tuple[str, int, int]:
        with self._lock:
            tokens = self._tokens(prompt)
            self._restore(keep, tokens)
            out: Any = self._llama.create_completion(
                prompt=tokens, max_tokens=max_tokens, temperature=0.0, stop=list(stop)
            )
        usage = out.get("usage") or {}
        return (
            str(out["choices"][0]["text"]),
            int(usage.get("prompt_tokens", len(tokens))),
            int(usage.get("completion_tokens", 0)),
        )


def probability(logprobs: Sequence[float], picked: Sequence[int]) -> float:
    """The share of the options at `picked` among all the options (e.g. "yes"+"Yes" against "no"+"No")."""
    top = max(logprobs)
    weights = [math.exp(lp - top) for lp in logprobs]
    return sum(weights[i] for i in picked) / sum(weights)
