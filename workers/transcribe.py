"""The transcribe_call job: recording -> blob store -> faster-whisper per channel -> speaker-labelled segments

CPU-bound work runs in asyncio.to_thread (a worker runs one at a time: the transcribe queue has max_jobs=1).
Statuses on Call.transcript_status: queued, running, done, and the final failures corrupt (undecodable audio),
silent (no speech), unavailable (the recording could not be fetched)."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
from arq.worker import Retry
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select

from assistant.config import LlmSettings
from channels.telephony.recordings import RecordingUnavailable, fetch_recording
from intake.request_link import fill_from_text
from storage.models import Call, Contact, Message, Request, TranscriptSegment
from workers.audio_windows import SAMPLE_RATE, CorruptAudio, Source, probe, windows
from workers.context import JobContext, services
from workers.listeners import PeriodicSweep

log = logging.getLogger(__name__)
FINAL = frozenset({"done", "corrupt", "silent", "unavailable"})
SILENCE_PEAK = 1e-3  # below this peak a channel holds no speech worth a model run
FETCH_TRIES = 3
PROGRESS_EVERY_S = 3.0
PAUSE_S = 1.0  # a longer silence inside one side's segment is the other side's turn
SPEAKER_LABELS = {
    "ru": {"operator": "Оператор", "client": "Клиент", "unknown": "Говорящий"},
    "en": {"operator": "Operator", "client": "Client", "unknown": "Speaker"},
}


@dataclass(frozen=True)
class WhisperConfig:
    model: str
    compute_type: str = "int8"
    beam_size: int = 1
    language: str | None = "ru"
    vad: bool = True
    batch_size: int = 8
    threads: int = 0
    operator_channel: str = "left"
    recordings_folder: Path | None = None


def config_of(app: JobContext) -> WhisperConfig:
    """From the composition root's TelephonySettings (ctx extras); defaults match those settings."""
    given: Any = app.extras.get("telephony")
    if given is None:
        return WhisperConfig(model=str(Path.home() / ".cache" / "okno" / "models" / "whisper-base"))
    return WhisperConfig(
        model=given.whisper_model,
        compute_type=given.whisper_compute_type,
        beam_size=given.whisper_beam_size,
        language=given.whisper_language,
        vad=given.whisper_vad,
        batch_size=given.whisper_batch_size,
        threads=given.whisper_threads,
        operator_channel=given.operator_channel,
        recordings_folder=given.recordings_folder,
    )


@dataclass(frozen=True)
class Segment:
    speaker: str
    start_s: float
    end_s: float
    text: str


class Transcriber:
    """One loaded model per process: loading costs seconds, so a worker keeps it warm."""

    def __init__(self, config: WhisperConfig) -> None:
        from faster_whisper import BatchedInferencePipeline, WhisperModel  # type: ignore[import-untyped]

        self.config = config
        self.model = WhisperModel(
            config.model,
            device="cpu",
            compute_type=config.compute_type,
            # CTranslate2's default of 4 threads oversubscribes a 2-core box (measured ~10% slower)
            cpu_threads=config.threads or os.cpu_count() or 1,
        )
        self.batched = BatchedInferencePipeline(self.model) if config.batch_size else None

    def channel(self, audio: np.ndarray, speaker: str, report: Callable[[float], None]) -> list[Segment]:
        cfg = self.config
        if audio.size == 0 or float(np.max(np.abs(audio))) < SILENCE_PEAK:
            return []
        if self.batched is not None:
            clips = None if cfg.vad else _windows(audio.size / SAMPLE_RATE)
            found, _info = self.batched.transcribe(
                audio, language=cfg.language, beam_size=cfg.beam_size, batch_size=cfg.batch_size,
                vad_filter=cfg.vad, clip_timestamps=clips, without_timestamps=False, word_timestamps=True,
            )  # fmt: skip
        else:
            found, _info = self.model.transcribe(
                audio,
                language=cfg.language,
                beam_size=cfg.beam_size,
                vad_filter=cfg.vad,
                word_timestamps=True,
            )
        segments: list[Segment] = []
        for piece in found:  # a generator: the work happens while iterating
            report(piece.end)
            segments += split_at_pauses(speaker, piece)
        return segments

    def run(self, source: Source, progress: list[float]) -> list[Segment]:
        """Window by window (bounded memory for any call length), each channel on its own."""
        info = probe(source)
        speakers = self.speakers(info.channels)
        total = info.duration_s or 0.0
        segments: list[Segment] = []
        for window in windows(source, channels=info.channels):
            total = max(total, window.start_s + window.duration_s)
            for index, (speaker, audio) in enumerate(zip(speakers, window.channels, strict=True)):
                share = window.duration_s * index / len(speakers)

                def report(
                    end_s: float, start: float = window.start_s, share: float = share, total: float = total
                ) -> None:
                    done = start + share + end_s / len(speakers)
                    progress[0] = min(99.0, 100.0 * done / (total or 1.0))

                found = self.channel(audio, speaker, report)
                segments += [shifted(s, window.start_s) for s in found]
        return merge(segments)

    def speakers(self, channels: int) -> list[str]:
        """Stereo is operator + client (which side is which is configured); mono is one unknown speaker."""
        if channels < 2:
            return ["unknown"]
        return ["operator", "client"] if self.config.operator_channel == "left" else ["client", "operator"]


def shifted(segment: Segment, offset_s: float) -> Segment:
    if not offset_s:
        return segment
    return Segment(segment.speaker, segment.start_s + offset_s, segment.end_s + offset_s, segment.text)


def split_at_pauses(speaker: str, piece: Any, pause_s: float = PAUSE_S) -> list[Segment]:
    """VAD joins one side's turns across the other side's speech; word times put each turn back in place."""
    words = list(piece.words or [])
    if not words:
        text = piece.text.strip()
        return [Segment(speaker, piece.start, piece.end, text)] if text else []
    groups = [[words[0]]]
    for word in words[1:]:
        if word.start - groups[-1][-1].end > pause_s:
            groups.append([word])
        else:
            groups[-1].append(word)
    found = [(g[0].start, g[-1].end, "".join(w.word for w in g).strip()) for g in groups]
    return [Segment(speaker, float(start), float(end), text) for start, end, text in found if text]


def merge(segments: Sequence[Segment]) -> list[Segment]:
    """Both speakers on one time line."""
    return sorted(segments, key=lambda s: (s.start_s, s.end_s, s.speaker))


def _windows(duration_s: float, size_s: float = 30.0) -> list[dict[str, float]]:
    """Without VAD the batched pipeline needs its clips named: plain 30-second windows."""
    starts = np.arange(0.0, max(duration_s, 0.01), size_s)
    return [{"start": float(s), "end": float(min(s + size_s, duration_s))} for s in starts]


def transcriber(app: JobContext, config: WhisperConfig) -> Transcriber:
    cached = app.extras.get("whisper_transcriber")
    if not isinstance(cached, Transcriber) or cached.config != config:
        cached = app.extras["whisper_transcriber"] = Transcriber(config)
    return cached


def transcript_text(segments: Sequence[Segment], language: str = "ru") -> str:
    labels = SPEAKER_LABELS.get(language, SPEAKER_LABELS["ru"])
    return "\n".join(f"{labels.get(s.speaker, s.speaker)}: {s.text}" for s in segments)


async def _set(app: JobContext, call_id: int, **values: Any) -> None:
    async with app.db.session() as session:
        call = await session.get(Call, call_id)
        if call is not None:
            for name, value in values.items():
                setattr(call, name, value)
            await session.commit()


async def _download(app: JobContext, account: str, ref: str, roots: tuple[Path, ...]) -> bytes:
    if ref.startswith("blob:"):
        return await app.blobs.get(ref.removeprefix("blob:"))
    view = await app.accounts.by_name("telephony", account)
    if view is None:
        raise RecordingUnavailable(
            f"no telephony account {account!r} to fetch the recording with", retry=False
        )
    timeout = aiohttp.ClientTimeout(total=300, sock_connect=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for attempt in range(1, FETCH_TRIES + 1):
            try:
                return await fetch_recording(session, view, ref, roots=roots)
            except RecordingUnavailable as exc:
                if not exc.retry or attempt == FETCH_TRIES:
                    raise
                await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


async def _recording(
    app: JobContext, ctx: dict[str, Any], call: Call, account: str, cfg: WhisperConfig
) -> Source:
    """The recording, fetched once into the blob store (sha256-deduplicated); decoded from its file there, so
    a long call is never held in memory whole."""
    key, ref = call.recording_sha256, call.recording_ref or ""
    if not key and ref.startswith("blob:"):
        key = ref.removeprefix("blob:")  # already in the store (folder import, tests)
    if not (key and await app.blobs.exists(key)):
        roots = (cfg.recordings_folder,) if cfg.recordings_folder else ()
        data = await _download(app, account, ref, roots)
        key = await app.blobs.put(data)
        del data
    if call.recording_sha256 != key:
        await _set(app, call.id or 0, recording_sha256=key)
    local = _local_file(app.blobs, key)
    return local if local is not None else await app.blobs.get(key)


def _local_file(blobs: object, key: str) -> Path | None:
    """The blob's file when the store keeps blobs as files (FileBlobStore); None for other stores."""
    path_of: Any = getattr(blobs, "path", None)
    if not callable(path_of):
        return None
    path = path_of(key)
    return path if isinstance(path, Path) and path.exists() else None


async def _transcribe(app: JobContext, call_id: int, source: Source, cfg: WhisperConfig) -> list[Segment]:
    engine = await asyncio.to_thread(transcriber, app, cfg)
    progress = [0.0]
    work = asyncio.ensure_future(asyncio.to_thread(engine.run, source, progress))
    shown = 0.0
    while not work.done():
        await asyncio.wait({work}, timeout=PROGRESS_EVERY_S)
        if progress[0] - shown >= 5.0 and not work.done():  # few writes: each one costs the model CPU
            shown = progress[0]
            await _set(app, call_id, transcript_progress=round(shown, 1))
    return work.result()


async def _store(
    app: JobContext, call_id: int, message_id: int, segments: list[Segment], cfg: WhisperConfig
) -> None:
    """Segments, status and the message text in one transaction: a crash before it leaves a clean restart."""
    async with app.db.session() as session:
        await session.execute(delete(TranscriptSegment).where(col(TranscriptSegment.call_id) == call_id))
        for position, seg in enumerate(segments):
            session.add(TranscriptSegment(
                call_id=call_id, position=position, speaker=seg.speaker,
                start_s=round(seg.start_s, 2), end_s=round(seg.end_s, 2), text=seg.text,
            ))  # fmt: skip
        call, message = await session.get(Call, call_id), await session.get(Message, message_id)
        assert call is not None and message is not None
        call.transcript_status, call.transcript_progress = "done", 100.0
        message.text = transcript_text(segments, (cfg.language or "ru")[:2])
        await _fill_form(app, session, message, [s.text for s in segments if s.speaker == "client"])
        await session.commit()


async def _fill_form(app: JobContext, session: AsyncSession, message: Message, said: list[str]) -> None:
    """The request form from what the client said, as from a written message: an INN names the client, a
    deadline fills the due date. What to do is the assistant's when it is on (it reads the whole call, the
    operator too); otherwise the client's words, so the inbox shows more than the operator's greeting."""
    request = await session.get(Request, message.request_id) if message.request_id else None
    contact = await session.get(Contact, message.author_contact_id or (request.contact_id if request else 0))
    if request is None or contact is None or not any(t.strip() for t in said):
        return
    llm = app.extras.get("llm")
    assistant_on = isinstance(llm, LlmSettings) and llm.enabled
    text = "\n".join(said)
    await fill_from_text(
        session, request, text, at=message.sent_at, contact=contact, policy=app.policy, what=not assistant_on
    )


async def _follow_ups(app: JobContext, message_id: int) -> None:
    """Read like any inbound message: conflict analysis (per client turn, speakers known), request form."""
    async with app.db.session() as session:
        message = await session.get(Message, message_id)
        request_id = message.request_id if message else None
    if request_id is None:
        return
    await app.queue.enqueue("analyze_call", message_id, job_id=f"analyze_call:{message_id}", queue="llm")
    await app.queue.enqueue(
        "fill_request_form", request_id, message_id, job_id=f"fill_request_form:{message_id}", queue="llm"
    )
    await app.queue.enqueue(
        "index_message", message_id, job_id=f"index_message:{message_id}:transcript", queue="llm"
    )


async def _load(app: JobContext, message_id: int) -> tuple[Call | None, str]:
    async with app.db.session() as session:
        call = (
            (await session.execute(select(Call).where(col(Call.message_id) == message_id))).scalars().first()
        )
        message = await session.get(Message, message_id)
        return call, message.account if message else ""


async def transcribe_call(ctx: dict[str, Any], message_id: int) -> str:
    app, cfg = services(ctx), config_of(services(ctx))
    call, account = await _load(app, message_id)
    if call is None or not call.recording_ref:
        return "no_recording"
    if call.transcript_status in FINAL:
        return call.transcript_status  # idempotent: a repeated job changes nothing
    call_id = call.id or 0
    await _set(app, call_id, transcript_status="running", transcript_progress=0.0)
    started = time.monotonic()
    try:
        source = await _recording(app, ctx, call, account, cfg)
        segments = await _transcribe(app, call_id, source, cfg)
    except RecordingUnavailable as exc:
        if exc.retry and ctx.get("job_try", 1) < app.max_tries:
            await _set(app, call_id, transcript_status="queued")
            raise Retry(defer=ctx.get("job_try", 1) * 10) from exc
        log.warning("call %d: recording unavailable: %s", call_id, exc.reason)
        await _set(app, call_id, transcript_status="unavailable")
        return "unavailable"
    except CorruptAudio as exc:
        log.warning("call %d: %s", call_id, exc)
        await _set(app, call_id, transcript_status="corrupt")
        return "corrupt"
    if not segments:
        await _set(app, call_id, transcript_status="silent", transcript_progress=100.0)
        return "silent"
    await _store(app, call_id, message_id, segments, cfg)
    log.info("call %d transcribed: %d segments in %.1fs", call_id, len(segments), time.monotonic() - started)
    await _follow_ups(app, message_id)
    return "done"


async def sweep_transcriptions(ctx: dict[str, Any], limit: int = 100) -> int:
    """Queue calls whose recording came after the call was stored (intake queues only new messages), and
    restart a run that stopped moving since the previous sweep (a crashed worker)."""
    app = services(ctx)
    async with app.db.session() as session:
        rows = await session.execute(
            select(Call.message_id, Call.transcript_status, Call.transcript_progress)
            .where(
                col(Call.recording_ref).is_not(None),
                col(Call.transcript_status).in_(("none", "queued", "running")),
            )
            .limit(limit)
        )
        pending = list(rows.all())
    seen: dict[int, float] = app.extras.setdefault("transcribe_sweep_seen", {})
    stalled = {mid for mid, status, progress in pending if status == "running" and seen.get(mid) == progress}
    seen.clear()
    seen.update({mid: progress for mid, status, progress in pending if status == "running"})
    bucket = int(app.clock().timestamp() // 600)  # one sweep copy per call per 10 minutes at most
    queued = 0
    for message_id, status, _progress in pending:
        if status != "running" or message_id in stalled:
            job_id = f"transcribe_call:{message_id}:sweep{bucket}"
            queued += await app.queue.enqueue(
                "transcribe_call", message_id, job_id=job_id, queue="transcribe"
            )
    return queued


def transcription_sweep(jobs: JobContext, *, every_s: float = 30.0) -> PeriodicSweep:
    return PeriodicSweep("transcription-sweep", sweep_transcriptions, jobs, every_s=every_s)
