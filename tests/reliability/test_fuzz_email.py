"""Mail the parser must survive beyond single byte flips (tests/channels/email/test_property.py): deep MIME
nesting, a header or a line of hundreds of kilobytes, thousands of parts, broken encodings, all grafted onto
real corpus mail and then garbled: parsed or refused with a reason, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from channels.base import RawPayload
from channels.email.parse import EmailAdapter
from tests.corpus import corpus_files
from tests.reliability.strategies import DEPTHS, FUZZ, MAIL_NASTY, assert_parsed_or_refused, byte_mutation

FIXTURES = Path(__file__).parents[1] / "channels" / "email" / "fixtures"
SOURCES = [p.read_bytes() for p in [*corpus_files("email/*.eml"), *sorted(FIXTURES.glob("*.eml"))]]
SMALL = [s for s in SOURCES if len(s) < 40_000]
HEAD = b"From: =?utf-8?B?0JjQstCw0L0=?= <ivan@example.ru>\r\nTo: desk@romashka.ru\r\nSubject: fuzz\r\n"


def _nested(depth: int) -> bytes:
    """multipart/mixed inside multipart/mixed, `depth` times."""
    parts = [b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(depth)]
    return b"".join(parts) + b"Content-Type: text/plain\r\n\r\nhi\r\n"


def _many_parts(count: int) -> bytes:
    part = b"--p\r\nContent-Type: application/octet-stream; name=a.bin\r\n"
    part += b"Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n"
    return b"Content-Type: multipart/mixed; boundary=p\r\n\r\n" + part * count + b"--p--\r\n"


@st.composite
def pathological(draw: st.DrawFn) -> bytes:
    shape = draw(st.sampled_from(["nested", "parts", "header", "line", "subject_words", "graft"]))
    size = draw(st.sampled_from([1_000, 300_000]))
    if shape == "nested":
        mail = HEAD + _nested(draw(st.sampled_from(DEPTHS[:2])))
    elif shape == "parts":
        mail = HEAD + _many_parts(draw(st.sampled_from([10, 3_000])))
    elif shape == "header":
        mail = HEAD + b"X-Long: " + b"a" * size + b"\r\n\r\nbody\r\n"
    elif shape == "line":
        mail = HEAD + b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + "я".encode() * size + b"\r\n"
    elif shape == "subject_words":
        mail = HEAD.replace(b"Subject: fuzz", b"Subject: " + b"=?utf-8?B?0J8=?= " * (size // 20))
        mail += b"\r\nhi\r\n"
    else:  # a real mail's body behind a broken or hostile header block
        source = draw(st.sampled_from(SMALL))
        mail = HEAD + draw(st.sampled_from(MAIL_NASTY)) + b"\r\n" + source
    return draw(byte_mutation(mail, probability=0.3, nasty=MAIL_NASTY))


def _check(body: bytes) -> None:
    raw = RawPayload(account="inbox", body=body, received_at=datetime(2026, 11, 24, tzinfo=UTC))
    assert_parsed_or_refused(lambda: EmailAdapter().parse(raw), "email")


@FUZZ
@given(body=pathological())
def test_pathological_mail_parses_or_is_refused(body: bytes) -> None:
    _check(body)
