"""Every job this build installs, by name, with its queue (DESIGN.md: io, llm, transcribe).

The registry lives in the composition root: jobs come from workers/, bots/ and assistant code alike."""

from __future__ import annotations

from bots.client.feed import client_bot_update
from bots.staff.mirror import mirror_reply, mirror_to_topic
from workers.analyze import analyze_call, analyze_message, fill_request_form
from workers.attachments import fetch_attachments
from workers.broadcasts import confirm_broadcast_stop, send_broadcast
from workers.email_parts import extract_email_parts, sweep_email_parts
from workers.indexing import index_message
from workers.ingest import ingest
from workers.notify import notify_alert, staff_tick
from workers.off_hours import off_hours_notice
from workers.outbound import send_outbox
from workers.queue import JobFunc
from workers.retention import enforce_retention
from workers.summary import summarize_client
from workers.survey import thank_for_rating
from workers.sweeper import sweep
from workers.telegram_files import fetch_telegram_files, sweep_telegram_files
from workers.transcribe import sweep_transcriptions, transcribe_call
from workers.viber import fetch_viber_media, sweep_viber_media
from workers.whatsapp import fetch_whatsapp_media, mark_whatsapp_read, sweep_whatsapp_media

JOBS: dict[str, tuple[JobFunc, str]] = {
    "ingest": (ingest, "io"),
    # a broadcast's copies written, their sends queued: (broadcast_id,)
    "send_broadcast": (send_broadcast, "io"),
    "confirm_broadcast_stop": (confirm_broadcast_stop, "io"),  # a client's «СТОП» answered: (message_id,)
    "analyze_message": (analyze_message, "llm"),
    "fill_request_form": (fill_request_form, "llm"),
    "analyze_call": (analyze_call, "llm"),  # enqueued after a transcript: args (message_id,)
    "index_message": (index_message, "llm"),  # retrieval index: a message's text, a call's segments
    "send_outbox": (send_outbox, "io"),
    "thank_for_rating": (thank_for_rating, "io"),  # after the client's rating: args (request_id,)
    "off_hours_notice": (off_hours_notice, "io"),  # a request opened: args (request_id,)
    "fetch_attachments": (fetch_attachments, "io"),
    "sweep": (sweep, "io"),
    "whatsapp_media": (fetch_whatsapp_media, "io"),
    "whatsapp_media_sweep": (sweep_whatsapp_media, "io"),
    "whatsapp_mark_read": (mark_whatsapp_read, "io"),
    "viber_media": (fetch_viber_media, "io"),  # a client's file while Viber's link works: (attachment_id,)
    "viber_media_sweep": (sweep_viber_media, "io"),
    "fetch_telegram_files": (fetch_telegram_files, "io"),
    "sweep_telegram_files": (sweep_telegram_files, "io"),
    "extract_email_parts": (extract_email_parts, "io"),
    "sweep_email_parts": (sweep_email_parts, "io"),
    "transcribe_call": (transcribe_call, "transcribe"),
    "sweep_transcriptions": (sweep_transcriptions, "io"),
    "client_bot_update": (client_bot_update, "io"),
    # the web UI (issue 10): the client card's summary refresh (recurring tasks roll inside the sweep)
    "summarize_client": (summarize_client, "llm"),
    # The staff bot: client messages mirrored into forum topics (after accept); alerts, SLA, reminders.
    "mirror_to_topic": (mirror_to_topic, "io"),
    "mirror_reply": (mirror_reply, "io"),  # an answer into the topic once it settled (send_outbox)
    "notify_alert": (notify_alert, "io"),
    "staff_tick": (staff_tick, "io"),
    # 152-FZ retention: old call recordings and raw payloads (arq cron, or `okno serve` inline).
    "enforce_retention": (enforce_retention, "io"),
}


def jobs_for(queues: tuple[str, ...]) -> dict[str, JobFunc]:
    return {name: func for name, (func, queue) in JOBS.items() if queue in queues}
