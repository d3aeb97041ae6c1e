"""Decode a recording into bounded windows of 16 kHz float samples per channel.

Whisper needs 16 kHz mono floats; decoding a whole call at once costs 64 kB per second per channel (an hour of
stereo is ~460 MB, twice that while resampling). Windows of a few minutes keep the decoded audio bounded
whatever the call length. A window ends at the quietest moment near its end, so no word is cut in two."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE = 16000
WINDOW_S = 300.0  # ~38 MB of decoded stereo at a time
CUT_SEARCH_S = 15.0  # look this far either side of the window's end for the quietest moment
FRAME_S = 0.1

Source = Path | bytes


class CorruptAudio(Exception):
    pass


@dataclass(frozen=True)
class AudioInfo:
    channels: int
    duration_s: float | None  # from the container; None when it does not say


@dataclass(frozen=True)
class Window:
    start_s: float
    channels: list[np.ndarray]  # one float32 array per channel (1 or 2), same length

    @property
    def duration_s(self) -> float:
        return self.channels[0].size / SAMPLE_RATE if self.channels else 0.0


def _open(source: Source) -> Any:
    import av

    target = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    return av.open(target, metadata_errors="ignore")


def probe(source: Source) -> AudioInfo:
    try:
        with _open(source) as container:
            stream = container.streams.audio[0]
            duration = None
            if container.duration:
                duration = container.duration / 1_000_000
            elif stream.duration and stream.time_base:
                duration = float(stream.duration * stream.time_base)
            return AudioInfo(channels=min(stream.channels, 2) or 1, duration_s=duration)
    except Exception as exc:  # PyAV raises many kinds for bad input; all mean the same here
        raise CorruptAudio(f"cannot decode the recording: {exc}") from exc


def quietest_cut(samples: np.ndarray, around: int, search: int) -> int:
    """The sample index of the quietest 100 ms frame within `search` samples of `around` (all channels)."""
    frame = int(FRAME_S * SAMPLE_RATE)
    lo = max(frame, around - search)
    hi = min(samples.shape[0] - frame, around + search)
    if hi <= lo:
        return int(min(around, samples.shape[0]))
    span = np.abs(samples[lo - lo % frame : hi - hi % frame].astype(np.float32))
    energy = span.reshape(-1, frame, samples.shape[1]).mean(axis=1).max(axis=1)
    return int(lo - lo % frame + int(np.argmin(energy)) * frame + frame // 2)


def windows(
    source: Source, *, channels: int, window_s: float = WINDOW_S, search_s: float = CUT_SEARCH_S
) -> Iterator[Window]:
    """Windows in time order; only about window_s + 2 * search_s seconds are decoded at any moment."""
    import av

    layout = "stereo" if channels == 2 else "mono"
    resampler = av.audio.resampler.AudioResampler(format="s16", layout=layout, rate=SAMPLE_RATE)
    around, search = int(window_s * SAMPLE_RATE), int(search_s * SAMPLE_RATE)
    pending: list[np.ndarray] = []
    held, start = 0, 0
    try:
        with _open(source) as container:
            for frame in _frames(container):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1, channels)  # packed s16: (1, n * channels)
                    pending.append(chunk)
                    held += chunk.shape[0]
                if held >= around + search:
                    buffer = np.concatenate(pending)
                    cut = quietest_cut(buffer, around, search)
                    yield _window(start, buffer[:cut])
                    rest = buffer[cut:]
                    pending, held, start = [rest], rest.shape[0], start + cut
            for out in resampler.resample(None):  # what the resampler still holds
                pending.append(out.to_ndarray().reshape(-1, channels))
    except av.error.FFmpegError as exc:
        raise CorruptAudio(f"cannot decode the recording: {exc}") from exc
    if pending:
        buffer = np.concatenate(pending)
        if buffer.shape[0]:
            yield _window(start, buffer)


def _frames(container: Any) -> Iterator[Any]:
    """Audio frames, skipping the undecodable ones (a damaged stretch must not lose the rest of the call)."""
    import av

    iterator = container.decode(audio=0)
    while True:
        try:
            yield next(iterator)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue


def _window(start: int, samples: np.ndarray) -> Window:
    floats = samples.astype(np.float32) / 32768.0
    return Window(
        start_s=start / SAMPLE_RATE,
        channels=[np.ascontiguousarray(floats[:, i]) for i in range(floats.shape[1])],
    )
