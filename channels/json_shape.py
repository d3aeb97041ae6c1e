"""Typed reads from a decoded webhook body, for every channel's parser: a body or a value of the wrong shape
is AnomalousPayload with where it was, never a crash."""

from __future__ import annotations

import json
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


def json_object(body: bytes) -> Obj:
    """The body as a JSON object."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise AnomalousPayload(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise AnomalousPayload("body must be a JSON object")
    return data
