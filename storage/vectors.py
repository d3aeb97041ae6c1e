"""Vector index of a client's messages and call segments: a small protocol and its Chroma implementation.

Chroma's default embedding function downloads a model, so every collection gets an explicit offline one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # chromadb loads only where an index is built (not in `okno serve`'s start-up)
    from chromadb.api.types import Documents, EmbeddingFunction


Meta = Mapping[str, str | int | float | bool]


@dataclass(frozen=True)
class IndexedText:
    id: str  # "message:42" or "segment:7"
    text: str
    metadata: Meta


@dataclass(frozen=True)
class Hit:
    id: str
    text: str
    metadata: Meta
    distance: float


class VectorIndex(Protocol):
    def add(self, items: Sequence[IndexedText]) -> None: ...

    def search(self, query: str, *, where: Mapping[str, Any] | None = None, k: int = 8) -> list[Hit]: ...


class ChromaIndex:
    """PersistentClient on a local path by default, HttpClient when a server URL is given."""

    def __init__(
        self,
        *,
        embedding: EmbeddingFunction[Documents],
        path: Path | None = None,
        url: str | None = None,
        collection: str = "okno_messages",
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        quiet = ChromaSettings(anonymized_telemetry=False)
        if url:
            from urllib.parse import urlparse

            parsed = urlparse(url)
            client: Any = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or 8000,
                ssl=parsed.scheme == "https",
                settings=quiet,
            )
        else:
            client = chromadb.PersistentClient(path=str(path or Path(".okno/chroma")), settings=quiet)
        self._collection = client.get_or_create_collection(
            collection, embedding_function=embedding, metadata={"hnsw:space": "cosine"}
        )

    def add(self, items: Sequence[IndexedText]) -> None:
        if items:
            self._collection.upsert(
                ids=[i.id for i in items],
                documents=[i.text for i in items],
                metadatas=[dict(i.metadata) for i in items],
            )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove entries by id (a forgotten person's messages and call segments); unknown ids are ignored."""
        if ids:
            self._collection.delete(ids=list(ids))

    def search(self, query: str, *, where: Mapping[str, Any] | None = None, k: int = 8) -> list[Hit]:
        found = self._collection.query(query_texts=[query], n_results=k, where=dict(where) if where else None)
        ids, docs = found["ids"][0], (found["documents"] or [[]])[0]
        metas, dists = (found["metadatas"] or [[]])[0], (found["distances"] or [[]])[0]
        return [
            Hit(i, d or "", dict(m or {}), float(x))
            for i, d, m, x in zip(ids, docs, metas, dists, strict=True)
        ]


def build_index(*, embedding: str, path: Path | None, url: str | None) -> ChromaIndex:
    from storage.embeddings import EMBEDDINGS

    return ChromaIndex(embedding=EMBEDDINGS[embedding](), path=path, url=url)
