"""Every file of ../shared/corpus/telephony/ through the parser: parsed to the reviewed calls or refused with
the reviewed reason, never a crash; meta-tests fail when a file is unnamed or fewer are found than INDEX.md
counts. The signature vectors are checked here against okno's verifiers (and over HTTP in test_webhooks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.telephony.parse import TelephonyAdapter
from okno.parse_cli import parse
from tests.corpus import corpus_files, indexed_count

PROVIDERS = ("asterisk_ami", "mango_office", "twilio", "zadarma")
FILES = [p for p in corpus_files("telephony/*/*") if p.name != "README.md"]
EXPECTED: dict[str, dict[str, object]] = json.loads(
    Path(__file__).with_name("corpus_expectations.json").read_text(encoding="utf-8")
)


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_indexed_file_is_found(provider: str) -> None:
    found = [p for p in FILES if p.parent.name == provider]
    assert len(found) >= indexed_count(f"telephony/{provider}/*") > 0


def test_every_file_has_a_reviewed_expectation() -> None:
    names = {_name(p) for p in FILES}
    assert names == set(EXPECTED), f"unreviewed: {names - set(EXPECTED)}; stale: {set(EXPECTED) - names}"


def test_every_provider_folder_has_a_readme() -> None:
    assert all((p.parent / "README.md").is_file() for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_corpus_file(path: Path) -> None:
    expected = EXPECTED[_name(path)]
    raw = RawPayload(account="pbx", body=path.read_bytes(), raw_event_id=7)
    if "refused" in expected:
        with pytest.raises((UnsupportedEvent, AnomalousPayload)) as refused:
            TelephonyAdapter().parse(raw)
        assert str(expected["refused"]) in str(refused.value)
        return
    messages = TelephonyAdapter().parse(raw)
    assert all(m.kind == "call" and m.channel == "telephony" and m.call is not None for m in messages)
    assert [m.message_key for m in messages] == expected["message_keys"]
    assert [m.conversation_key for m in messages] == expected["clients"]
    assert [m.call.direction for m in messages if m.call] == expected["directions"]
    assert [m.call.operator_extension for m in messages if m.call] == expected["operators"]
    assert all(m.sender.phone == m.conversation_key for m in messages)


def test_ami_inbound_call_stream_gives_one_call_with_its_stages() -> None:
    body = Path(__file__).with_name("fixtures").joinpath("ami_inbound_call.txt").read_bytes()
    messages = TelephonyAdapter().parse(RawPayload(account="pbx", body=body))
    stages = [m.event_id.split(":")[-1] for m in messages]
    assert stages == ["started", "answered", "ended", "recording_ready"]
    assert {m.message_key for m in messages} == {"1732443300.17"}
    assert {m.conversation_key for m in messages} == {"+79161234567"}
    last = messages[-1].call
    assert last is not None and last.operator_extension == "201"
    assert last.recording_ref == "file:/var/spool/asterisk/monitor/20241124-101500-1732443300.17.wav"
    answered = messages[1].call
    assert answered is not None and answered.answered_at is not None
    assert answered.answered_at.timestamp() == 1732443305  # the operator's leg, not the trunk's IVR answer


def test_okno_parse_telephony_handles_every_sample() -> None:
    """The acceptance command: every corpus file parsed or refused with a reason, none crashes (exit 0)."""
    result = CliRunner().invoke(parse, ["telephony", *map(str, FILES)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == len(FILES) and all("messages" in line or "refused" in line for line in lines)


def test_okno_parse_telephony_with_a_named_provider(tmp_path: Path) -> None:
    saved = tmp_path / "zadarma-start.txt"
    saved.write_text(
        "event=NOTIFY_START&call_start=2026-11-24+10:15:00&pbx_call_id=in_1&caller_id=79161234567"
    )
    result = CliRunner().invoke(parse, ["telephony", "--provider", "zadarma", str(saved)])
    assert result.exit_code == 0, result.output
    message = json.loads(result.output)["messages"][0]
    assert (message["message_key"], message["conversation_key"]) == ("in_1", "+79161234567")
    result = CliRunner().invoke(parse, ["telephony", "--provider", "twilio", str(saved)])
    assert "refused" in json.loads(result.output)  # the wrong provider named: refused with a reason, no crash
