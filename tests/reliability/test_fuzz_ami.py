"""AMI lines as `okno listen` reads them: any text splits into packets without error, and the call tracker
takes any packet sequence (odd keys, bad timestamps, events out of order) without raising — an exception in
the AMI event callback would stop the listener's call tracking."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from channels.telephony.ami import CALL_EVENTS, CallTracker, packets
from tests.corpus import corpus_files
from tests.reliability.strategies import FUZZ, mutated_bytes

TEXTS = [
    p.read_bytes()
    for p in [
        *corpus_files("telephony/asterisk_ami/*.yaml"),
        Path(__file__).parents[1] / "channels" / "telephony" / "fixtures" / "ami_inbound_call.txt",
    ]
]
KEYS = ["Event", "Linkedid", "Uniqueid", "Channel", "CallerIDNum", "Exten", "ChannelState", "DestChannel"]
KEYS += ["DestCallerIDNum", "Destination", "Variable", "Value", "Timestamp"]
WORDS = ["", "1", "6", "s", "<unknown>", "79161234567", "+79161234567", "201", "SIP/201-0001"]
WORDS += ["PJSIP/trunk-1"]
WORDS += ["MIXMONITOR_FILENAME", "/var/spool/x.wav", "1732443300.17", "nan", "inf", "1e400", "-1e30", "abc"]
VALUES = st.sampled_from([*WORDS, *sorted(CALL_EVENTS)]) | st.text(max_size=12)
PACKET = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), VALUES, max_size=8)
CLOCK = datetime(2026, 11, 24, 7, 15, tzinfo=UTC)


@FUZZ
@given(text=mutated_bytes(TEXTS))
def test_any_text_splits_into_packets(text: bytes) -> None:
    decoded = text.decode("utf-8", "replace")
    found = list(packets(decoded))
    assert all(isinstance(k, str) and isinstance(v, str) and k for p in found for k, v in p.items())
    tracker = CallTracker(clock=lambda: CLOCK)
    for packet in found:
        tracker.feed(packet)


@FUZZ
@given(stream=st.lists(PACKET, max_size=30))
def test_the_tracker_takes_any_packet_sequence(stream: list[dict[str, str]]) -> None:
    tracker = CallTracker(recordings_dir="/srv/recordings", clock=lambda: CLOCK)
    for packet in stream:
        for event in tracker.feed(packet):
            assert event["event"].startswith("call.") and event["call_id"]
            assert datetime.fromisoformat(event["at"]).tzinfo is not None
