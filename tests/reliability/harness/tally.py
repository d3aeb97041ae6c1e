"""What the run left behind, counted: events accepted (ProcessedEvent) and inbound messages by message_key
against what was sent, RawEvents still waiting, Outbox rows and their repeats, and arq job lines per
worker."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from storage.db import Database
from storage.models import Message, Outbox, ProcessedEvent, RawEvent
from tests.reliability.harness.outbound import TAG

Key = tuple[str, str, str]
# arq logs "←" and then acknowledges in Redis (one round trip, milliseconds); a kill this soon after the line
# can fall in between. Generous for a loaded 2-core box; the count is still bounded by the worker kills.
KILL_AFTER_FINISH_S = 5.0
# arq.worker lines: "→ <job id>:<function>(args)" started, "← … ●" finished, "↻ …" retry, "! …" failed.
JOB_LINE = re.compile(r"([→←↻!]) (\S+?)(?:\(|\s|$)")


@dataclass
class Stored:
    events: Counter[Key] = field(default_factory=Counter)  # ProcessedEvent (channel, account, event_id)
    inbound: Counter[Key] = field(default_factory=Counter)  # inbound Message (channel, account, message_key)
    raw_by_status: Counter[str] = field(default_factory=Counter)
    outbox_by_status: Counter[str] = field(default_factory=Counter)
    outbox_by_tag: dict[int, list[tuple[int, str, int]]] = field(
        default_factory=dict
    )  # tag -> [(id, status, repeats)]
    repeated_sends: int = 0


async def stored(db: Database) -> Stored:
    out = Stored()
    async with db.session() as session:
        rows = await session.execute(
            select(ProcessedEvent.channel, ProcessedEvent.account, ProcessedEvent.event_id)
        )
        out.events.update((str(c), str(a), str(e)) for c, a, e in rows.all())
        rows = await session.execute(
            select(Message.channel, Message.account, Message.message_key).where(
                col(Message.direction) == "inbound"
            )
        )
        out.inbound.update((str(c), str(a), str(k)) for c, a, k in rows.all())
        statuses = await session.execute(select(RawEvent.status, func.count()).group_by(col(RawEvent.status)))
        out.raw_by_status.update({str(s): int(n) for s, n in statuses.all()})
        outbox = (await session.execute(select(Outbox))).scalars().all()
    for row in outbox:
        out.outbox_by_status[row.status] += 1
        out.repeated_sends += row.repeated_sends
        if match := TAG.search(str(row.payload.get("text", ""))):
            out.outbox_by_tag.setdefault(int(match.group(1)), []).append(
                (row.id or 0, row.status, row.repeated_sends)
            )
    return out


def settled(found: Stored, expected: set[Key], replies: set[int]) -> bool:
    """Everything sent is stored, nothing waits to be ingested or sent."""
    waiting = found.raw_by_status.get("pending", 0) + found.raw_by_status.get("failed", 0)
    return (
        expected <= set(found.events)
        and waiting == 0
        and found.outbox_by_status.get("pending", 0) == 0
        and replies <= set(found.outbox_by_tag)
    )


@dataclass
class JobLines:
    """Per worker process: jobs started, finished, retried, failed (arq's own lines, OKNO_LOG_JOBS)."""

    per_process: dict[str, Counter[str]] = field(default_factory=dict)
    finished: Counter[str] = field(default_factory=Counter)  # job ref -> finishes over all processes
    finished_at: dict[str, list[tuple[float, str]]] = field(
        default_factory=dict
    )  # ref -> (log time, process)
    started: Counter[str] = field(default_factory=Counter)
    killed_at: dict[str, list[float]] = field(default_factory=dict)  # process -> its SIGKILLs

    def read(self, name: str, path: Path, killed_at: list[float] | None = None) -> None:
        self.killed_at[name] = list(killed_at or [])
        counts = self.per_process.setdefault(name, Counter())
        text = path.read_text(errors="replace") if path.exists() else ""
        for line in text.splitlines():
            if "arq.worker" not in line:
                continue
            match = JOB_LINE.search(line)
            if match is None:
                continue
            mark, ref = match.groups()
            kind = {"→": "started", "←": "finished", "↻": "retried", "!": "failed"}[mark]
            counts[kind] += 1
            if mark == "→":
                self.started[ref] += 1
            elif mark == "←":
                self.finished[ref] += 1
                self.finished_at.setdefault(ref, []).append((_logged_at(line), name))

    def twice(self, redis_back_at: list[float] | None = None) -> list[str]:
        """Job ids that finished more than once while Redis kept its memory, in any processes, other than
        those `finished_then_killed`: arq must never hand one job to two. A Redis restart (no persistence, as
        in the test) forgets every id and result, so an id queued again after it is a new job: finishes are
        compared within each Redis lifetime."""
        return sorted(ref for ref, again in self._repeats(redis_back_at) if not all(again))

    def finished_then_killed(self, redis_back_at: list[float] | None = None) -> list[str]:
        """Job ids run again because the worker that finished them was SIGKILLed in the moment between
        arq's "←" log line and its acknowledgement in Redis (arq logs first): at-least-once delivery, which
        the job's idempotence absorbs. At most one per worker kill."""
        return sorted(ref for ref, again in self._repeats(redis_back_at) if all(again))

    def _repeats(self, redis_back_at: list[float] | None) -> list[tuple[str, list[bool]]]:
        """(ref, for each repeated finish: was the finish before it followed by its worker's SIGKILL)."""
        epochs = sorted(redis_back_at or [])
        found = []
        for ref, finishes in self.finished_at.items():
            if ref.startswith("cron:"):  # cron ticks share one ref (arq keeps them apart by run time)
                continue
            by_epoch: dict[int, list[tuple[float, str]]] = {}
            for at, name in sorted(finishes):
                by_epoch.setdefault(bisect.bisect_right(epochs, at), []).append((at, name))
            for runs in by_epoch.values():
                if len(runs) > 1:
                    found.append((ref, [self._killed_after(at, name) for at, name in runs[:-1]]))
        return found

    def _killed_after(self, at: float, name: str, within_s: float = KILL_AFTER_FINISH_S) -> bool:
        return any(0 <= killed - at <= within_s for killed in self.killed_at.get(name, []))

    def rerun_after_kill(self) -> int:
        """Starts of a job id beyond its first that were not retries: the worker running it died."""
        return sum(max(0, n - 1) for n in self.started.values()) - sum(
            c["retried"] for c in self.per_process.values()
        )

    def summary(self) -> dict[str, Any]:
        return {name: dict(counts) for name, counts in sorted(self.per_process.items())}


def _logged_at(line: str) -> float:
    """The time of an okno log line ("2026-11-25 02:40:01,123 INFO …", local time); 0 when it has none."""
    try:
        return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
    except ValueError:
        return 0.0
