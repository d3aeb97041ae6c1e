"""Every corpus mail through the parser: no crash, the reviewed subject / attachments / outcome, no mojibake
in the Cyrillic-charset messages email/INDEX.md names, and a meta-test against the INDEX count."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.email.parse import EmailAdapter
from channels.email.parts import extract
from channels.email.texts import TEXTS
from tests.channels.email.mojibake import CYRILLIC, mojibake
from tests.corpus import CORPUS, corpus_files, indexed_count

FILES = corpus_files("email/*.eml")
EXPECTED: dict[str, dict[str, object]] = json.loads(
    Path(__file__).with_name("expectations.json").read_text(encoding="utf-8")
)
RECEIVED = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
ADAPTER = EmailAdapter()


def outcome_of(path: Path) -> str:
    raw = RawPayload(account="inbox", body=path.read_bytes(), received_at=RECEIVED, raw_event_id=1)
    try:
        messages = ADAPTER.parse(raw)
    except (AnomalousPayload, UnsupportedEvent) as exc:
        assert exc.reason  # noqa: PT017 (a refusal is an outcome here, not the test's expectation)
        return "refused"
    assert messages, "a parser returns at least one message or refuses"
    assert messages[0].text or messages[0].attachments or messages[0].kind == "system"
    for message in messages:
        assert message.channel == "email" and message.account == "inbox"
        assert message.sent_at.tzinfo is not None
    return messages[0].kind


def readable(path: Path) -> str:
    """Subject, sender name, body and file names as okno shows them, without okno's own labels."""
    mail = ADAPTER.read(RawPayload(account="inbox", body=path.read_bytes()))
    names = [a.filename or "" for a in mail.attachments]
    text = " ".join([mail.subject or "", mail.sender_name or "", mail.full_text, *names])
    for label in ("forwarded", "from", "date", "subject"):
        text = text.replace(TEXTS["ru"][label], "")
    return text


def test_every_indexed_file_is_found() -> None:
    assert len(FILES) >= indexed_count("email/*.eml")


def test_expectations_cover_the_corpus_exactly() -> None:
    assert {p.name for p in FILES} == set(EXPECTED)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_mail(path: Path) -> None:
    expected = EXPECTED[path.name]
    outcome = outcome_of(path)
    assert outcome == expected["outcome"]
    assert (outcome in ("text", "media")) == expected["opens_request"]
    mail = ADAPTER.read(RawPayload(account="inbox", body=path.read_bytes()))
    assert (mail.subject[:200] if mail.subject else None) == expected["subject"]
    assert [a.filename for a in mail.attachments] == expected["attachments"]
    assert (mail.system.why if mail.system else None) == expected.get("system")
    for text in (mail.subject or "", mail.full_text, *(a.filename or "" for a in mail.attachments)):
        text.encode("utf-8")  # no lone surrogates from raw 8-bit headers reach okno
    for attachment in mail.attachments:  # each file can be taken out of the raw mail again, whole
        assert attachment.file_id is not None
        data = extract(path.read_bytes(), attachment.file_id)
        assert data is not None and len(data) == attachment.size


def cyrillic_charset_files() -> list[str]:
    """The files email/INDEX.md lists with koi8-r, windows-1251 or iso-8859-5."""
    index = (CORPUS / "email" / "INDEX.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\S+\.eml) \|(.*)$", index, flags=re.MULTILINE)
    return sorted(name for name, rest in rows if re.search(r"koi8-r|windows-1251|cp1251|iso-8859-5", rest))


CYRILLIC_FILES = cyrillic_charset_files()


def test_index_names_the_cyrillic_charset_files() -> None:
    assert len(CYRILLIC_FILES) >= 6  # cpython 08/09/12/12a, mimekit tnef_ukr, imap_tools 8bit, mikel bad_time


@pytest.mark.parametrize("name", CYRILLIC_FILES)
def test_cyrillic_charsets_decode_without_mojibake(name: str) -> None:
    text = readable(CORPUS / "email" / name)
    assert mojibake(text) == []
    assert bool(CYRILLIC.search(text)) == bool(EXPECTED[name].get("cyrillic"))


def test_the_cyrillic_files_with_content_do_show_cyrillic() -> None:
    """Some INDEX-named koi8-r parts are empty (cpython msg_08…12a); the ones with words must show them."""
    shown = [n for n in CYRILLIC_FILES if CYRILLIC.search(readable(CORPUS / "email" / n))]
    assert {"mimekit__tnef_ukr.eml", "imap_tools__messages_attachment_8bit.eml"} <= set(shown)
    assert "mikel_mail__plain_emails_raw_email_bad_time.eml" in shown  # the windows-1251 sender name
