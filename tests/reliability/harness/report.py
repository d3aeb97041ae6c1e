"""The crash run's verdict: the counts, printed, and every broken promise named (lost, doubled, unsent,
uncounted or unbounded repeats, a job run twice). An empty `problems()` is a pass."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.reliability.harness.tally import JobLines, Key, Stored


@dataclass
class Report:
    db: str
    events_sent: int
    deliveries: int
    delivery_attempts: int
    answers: Counter[str]
    acks_by_server: dict[str, int]
    kills: dict[str, int]
    redis_restarts: int
    postgres_restarts: int
    expected_events: set[Key]
    expected_messages: set[Key]
    found: Stored
    replies_queued: set[int]
    reply_posts_unsure: int
    copies: Counter[int]
    jobs: JobLines
    settled: bool
    seconds: dict[str, float] = field(default_factory=dict)
    redis_back_at: list[float] = field(default_factory=list)  # when each Redis restart answered again

    # --- the counts ------------------------------------------------------------------------------------
    @property
    def lost_events(self) -> set[Key]:
        return self.expected_events - set(self.found.events)

    @property
    def doubled_events(self) -> int:
        return sum(n - 1 for n in self.found.events.values() if n > 1)

    @property
    def unexpected_events(self) -> set[Key]:
        return set(self.found.events) - self.expected_events

    @property
    def lost_messages(self) -> set[Key]:
        return self.expected_messages - set(self.found.inbound)

    @property
    def doubled_messages(self) -> int:
        extra = sum(n - 1 for n in self.found.inbound.values() if n > 1)
        return extra + len(set(self.found.inbound) - self.expected_messages)

    @property
    def worker_crashes(self) -> int:
        """Every event that can cut a send short: a worker killed, or the database gone under it."""
        return sum(n for name, n in self.kills.items() if name.startswith("worker")) + self.postgres_restarts

    @property
    def repeats_received(self) -> int:
        return sum(n - 1 for tag, n in self.copies.items() if tag in self.replies_queued and n > 1)

    def problems(self) -> list[str]:
        found: list[str] = []
        if not self.settled:
            found.append("the run did not settle before its deadline (something still pending)")
        if self.lost_events:
            found.append(f"{len(self.lost_events)} events lost, e.g. {sorted(self.lost_events)[:3]}")
        if self.doubled_events or self.unexpected_events:
            found.append(
                f"events doubled: {self.doubled_events}, unexpected: {sorted(self.unexpected_events)[:3]}"
            )
        if self.lost_messages:
            found.append(f"{len(self.lost_messages)} messages lost, e.g. {sorted(self.lost_messages)[:3]}")
        if self.doubled_messages:
            found.append(f"{self.doubled_messages} inbound messages doubled or unexpected")
        waiting = {s: n for s, n in self.found.raw_by_status.items() if s in ("pending", "failed")}
        if waiting:
            found.append(f"raw events never ingested: {waiting}")
        found += self._outbox_problems()
        if twice := self.jobs.twice(self.redis_back_at):
            found.append(f"{len(twice)} arq jobs finished more than once, e.g. {twice[:3]}")
        worker_kills = sum(n for name, n in self.kills.items() if name.startswith("worker"))
        if len(again := self.jobs.finished_then_killed(self.redis_back_at)) > worker_kills:
            found.append(
                f"{len(again)} jobs re-run after their worker was killed, {worker_kills} worker kills"
            )
        return found

    def _outbox_problems(self) -> list[str]:
        found = []
        unsent = {
            s: n for s, n in self.found.outbox_by_status.items() if s not in ("sent", "delivered", "read")
        }
        if unsent:
            found.append(f"outbox rows not sent: {unsent}")
        for tag in sorted(self.replies_queued):
            rows = self.found.outbox_by_tag.get(tag, [])
            copies = self.copies.get(tag, 0)
            if len(rows) != 1:
                found.append(f"reply {tag}: {len(rows)} outbox rows (one expected)")
                continue
            _id, _status, repeats = rows[0]
            if copies == 0:
                found.append(f"reply {tag}: never reached the platform")
            elif copies - 1 > repeats:
                found.append(
                    f"reply {tag}: {copies} copies arrived, only {repeats} repeat(s) counted in the outbox"
                )
            if repeats > self.worker_crashes:
                found.append(
                    f"reply {tag}: {repeats} repeats, {self.worker_crashes} crashes (at most one per crash)"
                )
        return found

    # --- the printout ----------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        return {
            "db": self.db,
            "events_sent": self.events_sent,
            "deliveries": self.deliveries,
            "delivery_attempts": self.delivery_attempts,
            "redeliveries": self.delivery_attempts - self.deliveries,
            "answers": dict(sorted(self.answers.items())),
            "acks_by_server": self.acks_by_server,
            "kills": self.kills,
            "redis_restarts": self.redis_restarts,
            "postgres_restarts": self.postgres_restarts,
            "events_expected": len(self.expected_events),
            "events_accepted": len(set(self.found.events) & self.expected_events),
            "events_lost": len(self.lost_events),
            "events_doubled": self.doubled_events + len(self.unexpected_events),
            "messages_expected": len(self.expected_messages),
            "messages_stored": sum(self.found.inbound.values()),
            "messages_lost": len(self.lost_messages),
            "messages_doubled": self.doubled_messages,
            "raw_events": dict(sorted(self.found.raw_by_status.items())),
            "replies_queued": len(self.replies_queued),
            "reply_posts_unsure": self.reply_posts_unsure,
            "outbox": dict(sorted(self.found.outbox_by_status.items())),
            "outbox_repeated_sends": self.found.repeated_sends,
            "repeats_received": self.repeats_received,
            "worker_crashes": self.worker_crashes,
            "jobs_by_worker": self.jobs.summary(),
            "jobs_finished_twice": len(self.jobs.twice(self.redis_back_at)),
            "jobs_finished_then_killed": len(self.jobs.finished_then_killed(self.redis_back_at)),
            "jobs_rerun_after_kill": self.jobs.rerun_after_kill(),
            "seconds": {k: round(v, 1) for k, v in self.seconds.items()},
            "problems": len(self.problems()),
        }

    def lines(self) -> list[str]:
        s = self.summary()
        return [
            f"crash run on {self.db}: {s['events_sent']} events in {s['deliveries']} webhook deliveries "
            f"(+{s['events_sent'] - s['deliveries']} mails), {s['delivery_attempts']} attempts",
            f"  answers seen by the platforms: {s['answers']}",
            f"  kills: {s['kills']}; Redis restarts {s['redis_restarts']}, "
            f"PostgreSQL restarts {s['postgres_restarts']}",
            f"  acknowledged per server: {s['acks_by_server']}",
            f"  events: expected {s['events_expected']}, accepted {s['events_accepted']}, "
            f"lost {s['events_lost']}, doubled {s['events_doubled']}",
            f"  messages: expected {s['messages_expected']}, stored {s['messages_stored']}, "
            f"lost {s['messages_lost']}, doubled {s['messages_doubled']}",
            f"  raw events by status: {s['raw_events']}",
            f"  replies queued {s['replies_queued']} (POSTs unanswered {s['reply_posts_unsure']}); outbox "
            f"{s['outbox']}; repeated sends counted {s['outbox_repeated_sends']}, repeats received "
            f"{s['repeats_received']}, worker crashes {s['worker_crashes']}",
            f"  arq jobs per worker: {s['jobs_by_worker']}",
            f"  jobs finished twice: {s['jobs_finished_twice']}; re-run after a kill: "
            f"{s['jobs_rerun_after_kill']}, of which finished but killed before arq's ack: "
            f"{s['jobs_finished_then_killed']}",
            f"  seconds: {s['seconds']}",
            *(f"  PROBLEM: {p}" for p in self.problems()),
        ]
