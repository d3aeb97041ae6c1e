"""Every job this build installs, by name, with its queue (DESIGN.md: io, llm, transcribe)."""

from __future__ import annotations

from channels.telegram.files import fetch_telegram_files, sweep_telegram_files
from channels.whatsapp.media import fetch_whatsapp_media, sweep_whatsapp_media
from workers.ingest import ingest
from workers.outbound import send_outbox
from workers.queue import JobFunc
from workers.sweeper import sweep

JOBS: dict[str, tuple[JobFunc, str]] = {
    "ingest": (ingest, "io"),
    "send_outbox": (send_outbox, "io"),
    "sweep": (sweep, "io"),
    "whatsapp_media": (fetch_whatsapp_media, "io"),
    "whatsapp_media_sweep": (sweep_whatsapp_media, "io"),
    "fetch_telegram_files": (fetch_telegram_files, "io"),
    "sweep_telegram_files": (sweep_telegram_files, "io"),
}


def jobs_for(queues: tuple[str, ...]) -> dict[str, JobFunc]:
    return {name: func for name, (func, queue) in JOBS.items() if queue in queues}
