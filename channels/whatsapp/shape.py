"""WhatsApp's own shapes beside the generic reads (channels/json_shape.py): its string timestamps, its error
lists."""

from __future__ import annotations

from datetime import UTC, datetime

from channels.base import AnomalousPayload
from channels.json_shape import Obj, string


def timestamp(parent: Obj, where: str) -> datetime:
    raw = string(parent, "timestamp", where)
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (ValueError, OverflowError, OSError):
        raise AnomalousPayload(f"{where}.timestamp is not a Unix time: {raw!r}") from None


def errors_text(errors: list[Obj]) -> str:
    """'131051 Message type unknown: details' for each error Meta attached."""
    parts = []
    for error in errors:
        details = (
            error.get("error_data", {}).get("details") if isinstance(error.get("error_data"), dict) else None
        )
        title = error.get("title") or error.get("message") or "error"
        parts.append(f"{error.get('code', '?')} {title}" + (f": {details}" if details else ""))
    return "; ".join(parts)
