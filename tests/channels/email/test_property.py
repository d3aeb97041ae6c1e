"""Mutated corpus mail (flipped bytes, cuts, spliced headers, garbage) never crashes the parser: it parses or
refuses with a reason."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.email.parse import EmailAdapter
from tests.corpus import corpus_files

SOURCES = [p.read_bytes() for p in corpus_files("email/*.eml") if p.stat().st_size < 40_000]
NASTY = [
    b"\r\n--",
    b'\r\nContent-Type: multipart/mixed; boundary=""\r\n',
    b"=?koi8-r?B?8NLJ18XU?=",
    b"=?utf-8?Q?=D0=\r\n",
    b"\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%",
    b"\xd0\xbf\xd1\x80\xff\xfe",
    b"\r\nContent-Type: message/rfc822\r\n\r\n",
    b"\r\nContent-Disposition: attachment; filename*0*=utf-8''%D0; filename*2=x\r\n",
    b"\r\nDate: Mon, 99 Foo 99999 99:99:99 +9999\r\n",
    b'\r\nFrom: "\xc8\xe2" <@>, <a@b@c>\r\n',
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SOURCES)))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, max(0, len(data) - 1)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "nasty", "drop_line"]))
        if action == "flip" and data:
            data[where] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[where:]
        elif action == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=40))
        elif action == "nasty":
            data[where:where] = draw(st.sampled_from(NASTY))
        else:
            end = data.find(b"\n", where)
            del data[where : end if end >= 0 else len(data)]
    return bytes(data)


@settings(
    max_examples=int(os.environ.get("OKNO_HYPOTHESIS_EXAMPLES", "300")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(body=mutated())
def test_mutated_mail_never_crashes_the_parser(body: bytes) -> None:
    raw = RawPayload(account="inbox", body=body, received_at=datetime(2026, 11, 24, tzinfo=UTC))
    try:
        messages = EmailAdapter().parse(raw)
    except (AnomalousPayload, UnsupportedEvent) as exc:
        assert exc.reason  # noqa: PT017 (a refusal is an outcome here, not the test's expectation)
        return
    assert messages and all(m.channel == "email" for m in messages)
