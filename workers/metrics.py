"""Prometheus metrics of the job side (the HTTP side counts received events in channels/metrics.py)."""

from prometheus_client import Counter, Histogram

EVENTS_ACCEPTED = Counter(
    "okno_events_accepted_total", "Inbound events accepted into storage", ["channel", "outcome"]
)
EVENTS_FAILED = Counter(
    "okno_events_failed_total", "Inbound events kept as raw without a message", ["channel", "reason"]
)
JOB_SECONDS = Histogram(
    "okno_job_seconds",
    "Job run time, enqueue to finish excluded",
    ["job"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
JOB_LATENCY_SECONDS = Histogram(
    "okno_job_latency_seconds",
    "Time from enqueue to the job's start",
    ["job"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
OUTBOX_SENT = Counter("okno_outbox_sent_total", "Outbox rows sent", ["channel", "result"])
