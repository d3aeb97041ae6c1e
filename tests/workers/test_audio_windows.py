"""Recordings decode in bounded windows cut at quiet moments: nothing lost, nothing doubled, memory flat."""

from __future__ import annotations

import tracemalloc
import wave
from pathlib import Path

import numpy as np
import pytest

from workers.audio_windows import SAMPLE_RATE, CorruptAudio, probe, quietest_cut, windows

RATE = 8000  # telephony recordings are 8 kHz; the decoder resamples to 16 kHz


def talk(path: Path, seconds: float, *, channels: int = 2) -> Path:
    """Tone bursts of 2 s ("speech") with 0.6 s of silence on both channels between them."""
    t = np.arange(int(seconds * RATE)) / RATE
    speaking = (t % 2.6) < 2.0
    left = 0.4 * np.sin(2 * np.pi * 440 * t) * speaking
    right = 0.3 * np.sin(2 * np.pi * 660 * t) * speaking
    frames = np.stack([left, right], axis=1)[:, :channels]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((frames * 32767).astype("<i2").tobytes())
    return path


def whole(path: Path) -> np.ndarray:
    from faster_whisper import decode_audio  # type: ignore[import-untyped]

    left, right = decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=True)
    return np.stack([left, right], axis=1)


def test_windows_cover_the_call_once_and_cut_in_silence(tmp_path: Path) -> None:
    path = talk(tmp_path / "call.wav", 61.0)
    info = probe(path)
    assert info.channels == 2 and info.duration_s == pytest.approx(61.0, abs=0.1)
    parts = list(windows(path, channels=2, window_s=10.0, search_s=2.0))
    assert len(parts) >= 5
    expected = whole(path)
    joined = np.concatenate([np.stack(p.channels, axis=1) for p in parts])
    assert joined.shape == expected.shape  # nothing lost, nothing doubled
    assert np.allclose(joined, expected, atol=1e-4)
    position = 0
    for part in parts:
        assert part.start_s == pytest.approx(position / SAMPLE_RATE)
        assert part.duration_s <= 10.0 + 2.0 + 2.0  # never more than one window and its search margin
        position += part.channels[0].size
    for part in parts[1:]:  # every cut lands where both speakers are quiet
        cut = int(part.start_s * SAMPLE_RATE)
        around = expected[max(0, cut - 400) : cut + 400]
        assert float(np.abs(around).max()) < 0.01, f"cut at {part.start_s:.2f}s is inside speech"


def test_bytes_and_file_decode_alike_and_mono_is_one_channel(tmp_path: Path) -> None:
    path = talk(tmp_path / "mono.wav", 7.0, channels=1)
    from_file = list(windows(path, channels=1))
    from_bytes = list(windows(path.read_bytes(), channels=1))
    assert probe(path.read_bytes()).channels == 1
    assert len(from_file) == len(from_bytes) == 1 and len(from_file[0].channels) == 1
    assert np.array_equal(from_file[0].channels[0], from_bytes[0].channels[0])


def _peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        for _part in windows(path, channels=2, window_s=20.0, search_s=2.0):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_long_call_needs_no_more_memory_than_a_short_one(tmp_path: Path) -> None:
    short = _peak_bytes(talk(tmp_path / "short.wav", 60.0))
    long = _peak_bytes(talk(tmp_path / "long.wav", 600.0))
    decoded_whole = 600 * SAMPLE_RATE * 2 * 4  # what decoding the long call at once holds (float32 stereo)
    assert long < 1.3 * short, (short, long)
    assert long < decoded_whole / 4, (long, decoded_whole)


def test_quietest_cut_stays_inside_the_search_span() -> None:
    samples = np.full((SAMPLE_RATE * 10, 2), 1000, dtype=np.int16)
    samples[SAMPLE_RATE * 6 : SAMPLE_RATE * 6 + 1600] = 0  # the only quiet 100 ms
    assert abs(quietest_cut(samples, SAMPLE_RATE * 5, SAMPLE_RATE * 2) - SAMPLE_RATE * 6) <= 1600
    # a quiet stretch outside the span is not taken
    assert abs(quietest_cut(samples, SAMPLE_RATE * 2, SAMPLE_RATE) - SAMPLE_RATE * 2) <= SAMPLE_RATE


def test_undecodable_bytes_are_corrupt_audio() -> None:
    with pytest.raises(CorruptAudio, match="cannot decode"):
        probe(b"RIFF\x00\x00\x00\x00WAVEnot really audio")
