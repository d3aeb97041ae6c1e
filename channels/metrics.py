"""Counted at the HTTP edge, before anything is parsed."""

from prometheus_client import Counter

EVENTS_RECEIVED = Counter("okno_events_received_total", "Inbound deliveries stored as RawEvent", ["channel"])
DELIVERIES_REFUSED = Counter(
    "okno_deliveries_refused_total", "Inbound deliveries refused at the edge", ["channel", "reason"]
)
