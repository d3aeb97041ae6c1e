"""Vector index of a client's messages and call segments: a small protocol and its Chroma implementation.

Chroma's default embedding function downloads a model, so every collection gets an explicit offline one."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:  # chromadb loads only where an index is built (not in `okno serve`'s start-up)
    from chromadb.api.types import Documents, EmbeddingFunction


Meta = Mapping[str, str | int | float | bool]
R = TypeVar("R")


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


COLLECTION = "okno_messages"


def collection_name(embedding: str) -> str:
    """One collection per embedding model: two models' vectors do not mix, and Chroma refuses to open a
    collection with another embedding function than the one it was made with."""
    return f"{COLLECTION}_{embedding}"


def _client(path: Path | None, url: str | None) -> Any:
    """PersistentClient on a local path by default, HttpClient when a server URL is given."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    quiet = ChromaSettings(anonymized_telemetry=False)
    if url:
        from urllib.parse import urlparse

        parsed = urlparse(url)
        return chromadb.HttpClient(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 8000,
            ssl=parsed.scheme == "https",
            settings=quiet,
        )
    return chromadb.PersistentClient(path=str(path or Path(".okno/chroma")), settings=quiet)


class ChromaIndex:
    def __init__(
        self,
        *,
        embedding: EmbeddingFunction[Documents],
        path: Path | None = None,
        url: str | None = None,
        collection: str = COLLECTION,
    ) -> None:
        self._client, self._name, self._embedding = _client(path, url), collection, embedding
        self._collection = self._open()

    def _open(self) -> Any:
        return self._client.get_or_create_collection(
            self._name, embedding_function=self._embedding, metadata={"hnsw:space": "cosine"}
        )

    def _on_collection(self, call: Callable[[Any], R]) -> R:
        """`call` on the collection, opened again if it was dropped under this handle (`okno reindex --fresh`
        while the workers run) rather than failing every later job of the process."""
        from chromadb.errors import NotFoundError

        try:
            return call(self._collection)
        except NotFoundError:
            self._collection = self._open()
            return call(self._collection)

    def add(self, items: Sequence[IndexedText]) -> None:
        if items:
            self._on_collection(
                lambda c: c.upsert(
                    ids=[i.id for i in items],
                    documents=[i.text for i in items],
                    metadatas=[dict(i.metadata) for i in items],
                )
            )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove entries by id (a forgotten person's messages and call segments); unknown ids are ignored."""
        if ids:
            self._on_collection(lambda c: c.delete(ids=list(ids)))

    def count(self) -> int:
        return int(self._on_collection(lambda c: c.count()))

    def clear(self) -> None:
        """Drop every okno collection at this location (this model's and any other model's) and start this
        one empty: a rebuild leaves no entry of an erased message and no stale model's vectors behind."""
        for name in okno_collections(self._client):
            self._client.delete_collection(name)
        self._collection = self._open()

    def search(self, query: str, *, where: Mapping[str, Any] | None = None, k: int = 8) -> list[Hit]:
        found = self._on_collection(
            lambda c: c.query(query_texts=[query], n_results=k, where=dict(where) if where else None)
        )
        ids, docs = found["ids"][0], (found["documents"] or [[]])[0]
        metas, dists = (found["metadatas"] or [[]])[0], (found["distances"] or [[]])[0]
        return [
            Hit(i, d or "", dict(m or {}), float(x))
            for i, d, m, x in zip(ids, docs, metas, dists, strict=True)
        ]


def okno_collections(client: Any) -> list[str]:
    """okno's collections on a Chroma client: one per embedding model ever configured (and the single one of
    installs before 2026-12-05)."""
    names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    return [n for n in names if n == COLLECTION or n.startswith(f"{COLLECTION}_")]


def delete_everywhere(ids: Sequence[str], *, path: Path | None, url: str | None) -> None:
    """A forgotten person's entries out of every okno collection, not only the configured model's: one made
    with an earlier model still holds their words. Deleting needs no embedding function."""
    if not ids:
        return
    client = _client(path, url)
    for name in okno_collections(client):
        client.get_collection(name).delete(ids=list(ids))


def build_index(*, embedding: str, path: Path | None, url: str | None) -> ChromaIndex:
    from storage.embeddings import EMBEDDINGS

    return ChromaIndex(
        embedding=EMBEDDINGS[embedding](), path=path, url=url, collection=collection_name(embedding)
    )
