"""Full-text search over messages, call transcripts and clients (name, INN): PostgreSQL `russian` full-text
search (morphology) or SQLite FTS5 (prefix matching), both through the objects of revision w10s.

Only what the reader may see comes back: `staff_id` set means a manager, who sees messages of requests that
are theirs or unassigned, and clients with such a request or with no other responsible manager.
Newest first: in a support inbox the latest matching message is the useful one, and ranking every match
would compute a document vector per matching row (bench/search.py: seconds on PostgreSQL for common words).
The SQL is assembled from constants only (S608 below); what the user typed travels as a bind parameter."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from storage.search_schema import CLIENT, MESSAGE, SEGMENT
from storage.types import UTCDateTime

MARK_START, MARK_END = "\ue000", "\ue001"  # private-use characters: the page escapes text, then marks them
MAX_TERMS = 8
MIN_STEM = 5
RUSSIAN_ENDING = re.compile(
    r"(ами|ями|ого|его|ому|ему|ой|ей|ий|ый|ая|яя|ое|ее|ые|ие|ам|ям|ах|ях|ов|ев|[аяоеуюыиьй])$"
)
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class MessageHit:
    message_id: int
    request_id: int | None
    channel: str
    direction: str
    sent_at: datetime
    snippet: str


@dataclass(frozen=True)
class SegmentHit:
    segment_id: int
    message_id: int
    request_id: int | None
    speaker: str
    start_s: float
    snippet: str


@dataclass(frozen=True)
class ClientHit:
    client_id: int
    name: str
    inn: str | None


@dataclass
class SearchResults:
    query: str
    messages: list[MessageHit] = field(default_factory=list)
    segments: list[SegmentHit] = field(default_factory=list)
    clients: list[ClientHit] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.messages or self.segments or self.clients)


def terms_of(query: str) -> list[str]:
    """Words only (no operators reach the engine), lowercased, a Russian ending trimmed for prefixes."""
    words = [w.lower() for w in WORD.findall(query)][:MAX_TERMS]
    return [RUSSIAN_ENDING.sub("", w) if len(w) >= MIN_STEM else w for w in words]


def _fts5_match(terms: list[str]) -> str:
    return " ".join(f'"{t}"*' for t in terms)


def _tsquery(terms: list[str]) -> str:
    return " & ".join(f"{t}:*" for t in terms)


def _request_visible(alias: str) -> str:
    return f"({alias}.id IS NOT NULL AND ({alias}.assignee_id IS NULL OR {alias}.assignee_id = :staff))"


def _client_visible() -> str:
    return (
        "(c.responsible_staff_id IS NULL OR c.responsible_staff_id = :staff OR EXISTS (SELECT 1 FROM"
        " request cr WHERE cr.client_id = c.id AND (cr.assignee_id IS NULL OR cr.assignee_id = :staff)))"
    )


def _statements(dialect: str, restricted: bool) -> tuple[str, str, str]:
    message_vis = f" AND {_request_visible('r')}" if restricted else ""
    client_vis = f" AND {_client_visible()}" if restricted else ""
    if dialect == "postgresql":
        hl = f"'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=24, MinWords=8, MaxFragments=2'"
        q = "to_tsquery('russian', :q)"
        # The matches come from the GIN index first (a materialized CTE): with ORDER BY id LIMIT alone the
        # planner may walk the primary key and compute a vector per row, seconds when nothing matches.
        messages = (
            "WITH hit AS MATERIALIZED (SELECT id FROM message"  # noqa: S608
            f" WHERE to_tsvector('russian', {MESSAGE.pg_document()}) @@ {q})"
            " SELECT m.id, m.request_id, m.channel, m.direction, m.sent_at AS sent_at,"
            f" ts_headline('russian', {MESSAGE.pg_document('m')}, {q}, {hl})"
            " FROM hit JOIN message m ON m.id = hit.id LEFT JOIN request r ON r.id = m.request_id"
            f" WHERE true{message_vis} ORDER BY m.id DESC LIMIT :n"
        )
        segments = (
            "WITH hit AS MATERIALIZED (SELECT id FROM transcript_segment"  # noqa: S608
            f" WHERE to_tsvector('russian', {SEGMENT.pg_document()}) @@ {q})"
            " SELECT s.id, m.id, m.request_id, s.speaker, s.start_s,"
            f" ts_headline('russian', {SEGMENT.pg_document('s')}, {q}, {hl})"
            " FROM hit JOIN transcript_segment s ON s.id = hit.id JOIN call ON call.id = s.call_id"
            " JOIN message m ON m.id = call.message_id LEFT JOIN request r ON r.id = m.request_id"
            f" WHERE true{message_vis} ORDER BY m.id DESC, s.start_s LIMIT :n"
        )
        clients = (
            "SELECT c.id, c.name, c.inn FROM client c"  # noqa: S608
            f" WHERE to_tsvector('russian', {CLIENT.pg_document('c')}) @@ {q}{client_vis}"
            " ORDER BY c.name LIMIT :n"
        )
        return messages, segments, clients
    snip = f"snippet({{fts}}, -1, '{MARK_START}', '{MARK_END}', '…', 16)"
    messages = (
        "SELECT m.id, m.request_id, m.channel, m.direction, m.sent_at AS sent_at,"  # noqa: S608
        f" {snip.format(fts=MESSAGE.fts)} FROM {MESSAGE.fts} f JOIN message m ON m.id = f.rowid"
        f" LEFT JOIN request r ON r.id = m.request_id WHERE {MESSAGE.fts} MATCH :q{message_vis}"
        " ORDER BY f.rowid DESC LIMIT :n"
    )
    segments = (
        "SELECT s.id, m.id, m.request_id, s.speaker, s.start_s,"  # noqa: S608
        f" {snip.format(fts=SEGMENT.fts)} FROM {SEGMENT.fts} f JOIN transcript_segment s ON s.id = f.rowid"
        " JOIN call ON call.id = s.call_id JOIN message m ON m.id = call.message_id"
        f" LEFT JOIN request r ON r.id = m.request_id WHERE {SEGMENT.fts} MATCH :q{message_vis}"
        " ORDER BY m.id DESC, s.start_s LIMIT :n"
    )
    clients = (
        f"SELECT c.id, c.name, c.inn FROM {CLIENT.fts} f JOIN client c ON c.id = f.rowid"  # noqa: S608
        f" WHERE {CLIENT.fts} MATCH :q{client_vis} ORDER BY f.rank, c.name LIMIT :n"
    )
    return messages, segments, clients


async def search(
    session: AsyncSession, *, query: str, staff_id: int | None = None, limit: int = 30
) -> SearchResults:
    """`staff_id`: restrict to what that manager may see; None for supervisors and admins."""
    results = SearchResults(query=query.strip())
    terms = terms_of(query)
    if not terms:
        return results
    dialect = session.get_bind().dialect.name
    messages, segments, clients = _statements(dialect, restricted=staff_id is not None)
    params = {
        "q": _tsquery(terms) if dialect == "postgresql" else _fts5_match(terms),
        "n": limit,
        "staff": staff_id,
    }
    # typed: SQLite hands back the stored text of a datetime unless told its type
    typed = sql(messages).columns(sent_at=UTCDateTime)
    for row in (await session.execute(typed, params)).all():
        results.messages.append(MessageHit(row[0], row[1], row[2], row[3], row[4], row[5] or ""))
    for row in (await session.execute(sql(segments), params)).all():
        results.segments.append(SegmentHit(row[0], row[1], row[2], row[3], float(row[4] or 0), row[5] or ""))
    for row in (await session.execute(sql(clients), params)).all():
        results.clients.append(ClientHit(row[0], row[1], row[2]))
    return results
