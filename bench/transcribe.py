"""Transcription benchmark: one stereo call (Russian, both speakers, >= 2 minutes, festival + sox) through
okno's transcribe_call job and through bare faster-whisper doing the same work (same model, compute type,
threads, VAD, batching, both channels, decode included), in paired rounds that alternate who goes first. The
model is loaded once before timing. Prints figures; last line JSON with ratio (okno speed / bare speed: the
median of the rounds' paired ratios, since one lucky run on either side moves a best-of-N comparison by more
than the gap it measures; `ratio_best` is best okno vs best bare) and x_realtime (call duration / okno's best
wall time). Targets: ratio >= 0.95, x_realtime >= 10 (2 cores, Whisper base int8).

    python bench/transcribe.py [--rounds 5] [--minutes 2.2]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from intake.accept import accept  # noqa: E402
from intake.schema import CallInfo, InboundMessage, Sender  # noqa: E402
from okno.services import build_services  # noqa: E402
from okno.settings import load_settings  # noqa: E402
from sandbox.pbx_audio import say_russian, stereo_call  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from workers.transcribe import config_of, transcribe_call, transcriber  # noqa: E402

LINES = [
    ("operator", "Здравствуйте, компания Окно, меня зовут Анна. Чем могу помочь?"),
    ("client", "Добрый день. Я хочу узнать, когда придёт мой заказ."),
    ("operator", "Назовите, пожалуйста, номер заказа и фамилию получателя."),
    ("client", "Номер заказа сто двадцать пять, фамилия Петров. Я жду его уже неделю."),
    ("operator", "Спасибо. Заказ отправлен вчера, он придёт завтра до обеда."),
    ("client", "Хорошо. А можно доставить его в офис, а не домой?"),
    ("operator", "Да, конечно. Продиктуйте адрес офиса, я передам курьеру."),
    ("client", "Улица Ленина, дом десять, третий этаж. Спасибо за помощь."),
]


def make_call(folder: Path, minutes: float) -> tuple[bytes, float]:
    clips = [(who, say_russian(text, folder / f"line{i}.wav")) for i, (who, text) in enumerate(LINES)]
    out = folder / "call.wav"
    once = _duration(stereo_call(clips, out).read_bytes())
    repeats = math.ceil(minutes * 60 / once)  # the conversation repeats until the call is long enough
    data = stereo_call(clips * repeats, out).read_bytes()
    return data, _duration(data)


def _duration(data: bytes) -> float:
    import wave

    with wave.open(io.BytesIO(data)) as wav:
        return float(wav.getnframes() / wav.getframerate())


def bare(engine: Any, data: bytes) -> int:
    """What okno's job does, minus okno: decode both channels, batched Whisper with VAD, keep the segments."""
    from faster_whisper import decode_audio  # type: ignore[import-untyped]

    cfg = engine.config
    left, right = decode_audio(io.BytesIO(data), sampling_rate=16000, split_stereo=True)
    count = 0
    for audio in (left, right):
        segments, _info = engine.batched.transcribe(
            audio, language=cfg.language, beam_size=cfg.beam_size, batch_size=cfg.batch_size,
            vad_filter=cfg.vad, without_timestamps=False, word_timestamps=True,
        )  # fmt: skip
        count += sum(1 for _s in segments)
    return count


async def okno_once(services: Any, key: str, blob: str, at: datetime) -> tuple[float, float]:
    message = InboundMessage(
        channel="telephony", account="bench", event_id=key, message_key=key, conversation_key="+79161234567",
        sender=Sender(external_id="+79161234567", phone="+79161234567"), sent_at=at, kind="call",
        call=CallInfo(direction="inbound", to_number="201", recording_ref=f"blob:{blob}"),
    )  # fmt: skip
    accepted = await accept(services.db, message, policy=services.jobs.policy)
    started, cpu = time.perf_counter(), time.process_time()
    status = await transcribe_call({"okno": services.jobs, "job_try": 1}, accepted.message_id or 0)
    elapsed = time.perf_counter() - started, time.process_time() - cpu
    assert status == "done", status
    return elapsed


async def main(rounds: int, minutes: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data, duration = make_call(folder, minutes)
        print(f"call: {duration:.1f}s stereo, {len(data) / 1e6:.1f} MB")
        settings = load_settings(data_dir=folder / "data", database_url=None, secret_key=None)
        services = await build_services(settings)
        await upgrade(services.db)
        blob = await services.jobs.blobs.put(data)
        engine = transcriber(services.jobs, config_of(services.jobs))  # loaded once, shared by both sides
        cfg = engine.config
        print(
            f"model {cfg.model} {cfg.compute_type} beam={cfg.beam_size} batch={cfg.batch_size} vad={cfg.vad}"
        )
        okno_times: list[tuple[float, float]] = []
        bare_times: list[tuple[float, float]] = []
        for index in range(rounds):
            for side in ("bare", "okno") if index % 2 == 0 else ("okno", "bare"):  # alternate who goes first
                if side == "bare":
                    started, cpu = time.perf_counter(), time.process_time()
                    segments = await asyncio.to_thread(bare, engine, data)
                    bare_times.append((time.perf_counter() - started, time.process_time() - cpu))
                else:
                    okno_times.append(await okno_once(services, f"bench-{index}", blob, datetime.now(UTC)))
            took = f"bare {bare_times[-1][0]:.2f}s wall {bare_times[-1][1]:.2f}s cpu ({segments} segments)"
            print(
                f"round {index + 1}: {took}; okno {okno_times[-1][0]:.2f}s wall {okno_times[-1][1]:.2f}s cpu"
            )
        await services.close()
    okno_s, bare_s = min(t[0] for t in okno_times), min(t[0] for t in bare_times)
    paired = statistics.median(b[0] / o[0] for b, o in zip(bare_times, okno_times, strict=True))
    okno_cpu, bare_cpu = min(t[1] for t in okno_times), min(t[1] for t in bare_times)
    return {
        "duration_s": round(duration, 1),
        "okno_s": round(okno_s, 2),
        "bare_s": round(bare_s, 2),
        "ratio": round(paired, 3),
        "ratio_best": round(bare_s / okno_s, 3),
        "x_realtime": round(duration / okno_s, 2),
        "bare_x_realtime": round(duration / bare_s, 2),
        # CPU seconds of the whole process: steadier than wall time when other work shares the cores.
        "okno_cpu_s": round(okno_cpu, 2),
        "bare_cpu_s": round(bare_cpu, 2),
        "cpu_ratio": round(bare_cpu / okno_cpu, 3),
        "rounds": rounds,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--minutes", type=float, default=2.2)
    args = parser.parse_args()
    result = asyncio.run(main(args.rounds, args.minutes))
    print(f"okno {result['x_realtime']}x realtime, {result['ratio']}x the bare speed")
    print(json.dumps(result))
