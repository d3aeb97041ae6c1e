"""Typed reads from a decoded webhook body: a value of the wrong shape is AnomalousPayload, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from channels.base import AnomalousPayload

Obj = dict[str, Any]


def obj(parent: Obj, key: str, where: str) -> Obj:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise AnomalousPayload(f"{where}.{key} must be an object")
    return value


def objects(parent: Obj, key: str, where: str) -> list[Obj]:
    value = parent.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise AnomalousPayload(f"{where}.{key} must be a list of objects")
    return value


def string(parent: Obj, key: str, where: str) -> str:
    value = parent.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value:
        raise AnomalousPayload(f"{where}.{key} must be a non-empty string")
    return value


def optional(parent: Obj, key: str) -> str | None:
    value = parent.get(key)
    if isinstance(value, bool) or value is None:
        return None
    return str(value) if isinstance(value, (str, int, float)) and str(value) else None


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
