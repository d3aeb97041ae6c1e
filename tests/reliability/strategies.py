"""Hypothesis strategies that mutate real platform payloads, shared by every parser fuzz test
(tests/reliability/test_fuzz_*.py and the property tests beside each channel), and the one outcome rule:
a parser returns messages of its channel or refuses with a reason, nothing else.

OKNO_FUZZ_EXAMPLES sets the examples per test (bounded in CI; `bench/fuzz.py --examples N` runs longer)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from channels.base import AnomalousPayload, UnsupportedEvent
from intake.schema import InboundMessage

EXAMPLES = int(os.environ.get("OKNO_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# Any JSON value, small: what a mutation puts where a real value was.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
# Values that break naive code: edge numbers, odd strings, the wrong container.
NASTY_VALUES: list[Any] = [
    None,
    "",
    " ",
    0,
    -1,
    2**63,
    -(2**63) - 1,
    1e308,
    -1e308,
    1.5,
    True,
    "NaN",
    "inf",
    "9999999999999999999999",
    "2026-13-45T99:99:99",
    "\x00",
    "\ud800",
    "‮",
    "\u202e",
    "<script>",
    "%s%n",
    [],
    {},
    [[[]]],
    {"": {"": None}},
]
# Snippets that break MIME parsers: empty boundaries, cut encoded words, bad charsets, impossible dates.
MAIL_NASTY: list[bytes] = [
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
DEEP = "\x00okno-deep\x00"  # replaced by deeply nested brackets after serializing
HUGE_SIZES = (256, 4_096, 300_000)
DEPTHS = (64, 2_000, 100_000)

Path = tuple[Any, ...]


def paths(node: Any, prefix: Path = ()) -> list[Path]:
    """Every place in a JSON document, the root included."""
    found = [prefix]
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        found.extend(paths(child, (*prefix, key)))
    return found


def replaced(body: Any, path: Path, value: Any) -> Any:
    """A copy of `body` with the value at `path` replaced."""
    if not path:
        return value
    copy = json.loads(json.dumps(body))
    node = copy
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


def dropped(body: Any, path: Path) -> Any:
    """A copy of `body` without the key or list item at `path` (the root stays)."""
    if not path:
        return body
    copy = json.loads(json.dumps(body))
    node = copy
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return copy


def _value_at(body: Any, path: Path) -> Any:
    for key in path:
        body = body[key]
    return body


def _retyped(value: Any) -> Any:
    """The same information in the wrong JSON type (the commonest integration mistake)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return int(value) if value.lstrip("-").isdigit() and len(value) < 30 else [value]
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    if isinstance(value, dict):
        return list(value.values())
    return 0


@st.composite
def mutated_json(draw: st.DrawFn, bodies: Sequence[Any]) -> bytes:
    """A real JSON body with 1-3 structural mutations, then maybe a byte-level one."""
    body = draw(st.sampled_from(bodies))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(body)))
        action = draw(st.sampled_from(["replace", "nasty", "drop", "retype", "huge", "deep"]))
        if action == "replace":
            body = replaced(body, path, draw(JSON))
        elif action == "nasty":
            body = replaced(body, path, draw(st.sampled_from(NASTY_VALUES)))
        elif action == "drop":
            body = dropped(body, path)
        elif action == "retype":
            body = replaced(body, path, _retyped(_value_at(body, path)))
        elif action == "huge":
            size = draw(st.sampled_from(HUGE_SIZES))
            body = replaced(body, path, draw(st.sampled_from(["x", "я", "7", "<"])) * size)
        else:
            body = replaced(body, path, DEEP)
    data = json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    depth = draw(st.sampled_from(DEPTHS))
    data = data.replace(json.dumps(DEEP).encode(), b"[" * depth + b"]" * depth)
    data = data.replace(json.dumps(DEEP, ensure_ascii=False).encode(), b"{" + b'"a":{' * depth + b"}" * depth)
    return draw(byte_mutation(data, probability=0.25))


@st.composite
def byte_mutation(
    draw: st.DrawFn, data: bytes, *, probability: float = 1.0, nasty: Sequence[bytes] = ()
) -> bytes:
    """`data` with 1-4 byte-level changes (flip, cut, insert random bytes, a nasty snippet, drop a line), with
    the given probability (drawn, so hypothesis can shrink it away)."""
    if probability < 1.0 and draw(st.floats(0, 1)) >= probability:
        return data
    buffer = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, max(0, len(buffer) - 1)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "nasty", "drop_line"]))
        if action == "flip" and buffer:
            buffer[where] = draw(st.integers(0, 255))
        elif action == "cut":
            del buffer[where:]
        elif action == "insert":
            buffer[where:where] = draw(st.binary(min_size=1, max_size=40))
        elif action == "nasty" and nasty:
            buffer[where:where] = draw(st.sampled_from(list(nasty)))
        elif action == "drop_line":
            end = buffer.find(b"\n", where)
            del buffer[where : end if end >= 0 else len(buffer)]
    return bytes(buffer)


@st.composite
def mutated_bytes(draw: st.DrawFn, sources: Sequence[bytes], nasty: Sequence[bytes] = ()) -> bytes:
    """A real body (mail, AMI text, a form) with 1-4 byte-level changes."""
    return draw(byte_mutation(draw(st.sampled_from(list(sources))), nasty=nasty))


def assert_parsed_or_refused(parse: Callable[[], list[InboundMessage]], channel: str) -> list[InboundMessage]:
    """The parser contract (channels/base.py): messages of this channel, or a refusal that says why."""
    reason: str | None = None
    try:
        messages = parse()
    except (UnsupportedEvent, AnomalousPayload) as refused:
        reason = refused.reason
    if reason is not None:
        assert reason.strip(), f"refused without a reason: {reason!r}"
        return []
    assert messages, "no messages and no refusal: an event would vanish without a reason"
    for message in messages:
        assert isinstance(message, InboundMessage) and message.channel == channel
        assert message.sent_at.utcoffset() is not None
        message.model_dump_json()  # what the job stores and logs must serialize
    return messages


# Form values that break naive code: not numbers, not dates, out of range, huge, odd characters.
FORM_NASTY: list[str] = [
    "",
    "abc",
    "-1",
    "1e309",
    "nan",
    "inf",
    "99999999999999999999",
    "2026-13-45 99:99:99",
    "0000-00-00 00:00:00",
    "\x00",
    "я" * 300,
    "+" * 40,
    "x" * 300_000,
    "sip:@",
    "client:",
    "outbound-dial",
]


@st.composite
def mutated_form(draw: st.DrawFn, forms: Sequence[dict[str, str]]) -> bytes:
    """A real form body (PBX callbacks) with keys dropped, values swapped for nasty ones or random text, then
    url-encoded and maybe garbled."""
    from urllib.parse import urlencode

    fields = dict(draw(st.sampled_from(list(forms))))
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(sorted(fields) or ["event"]))
        action = draw(st.sampled_from(["drop", "nasty", "text", "add"]))
        if action == "drop":
            fields.pop(key, None)
        elif action == "nasty":
            fields[key] = draw(st.sampled_from(FORM_NASTY))
        elif action == "text":
            fields[key] = draw(st.text(max_size=20))
        else:
            fields[draw(st.text(min_size=1, max_size=8))] = draw(st.text(max_size=20))
    body = urlencode(fields, encoding="utf-8", errors="surrogatepass").encode()
    return draw(byte_mutation(body, probability=0.2))
