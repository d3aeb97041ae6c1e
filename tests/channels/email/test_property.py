"""Mutated corpus mail (flipped bytes, cuts, spliced headers, garbage) never crashes the parser: it parses or
refuses with a reason."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.email.parse import EmailAdapter
from tests.corpus import corpus_files
from tests.reliability.strategies import MAIL_NASTY, mutated_bytes

SOURCES = [p.read_bytes() for p in corpus_files("email/*.eml") if p.stat().st_size < 40_000]


@settings(
    max_examples=int(os.environ.get("OKNO_HYPOTHESIS_EXAMPLES", "300")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(body=mutated_bytes(SOURCES, MAIL_NASTY))
def test_mutated_mail_never_crashes_the_parser(body: bytes) -> None:
    raw = RawPayload(account="inbox", body=body, received_at=datetime(2026, 11, 24, tzinfo=UTC))
    try:
        messages = EmailAdapter().parse(raw)
    except (AnomalousPayload, UnsupportedEvent) as exc:
        assert exc.reason  # noqa: PT017 (a refusal is an outcome here, not the test's expectation)
        return
    assert messages and all(m.channel == "email" for m in messages)
