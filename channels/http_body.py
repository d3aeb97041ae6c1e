"""Reading webhook bodies with a hard size limit, and the header subset worth keeping with the raw bytes."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from channels.base import RawEventSink
from channels.metrics import DELIVERIES_REFUSED

log = logging.getLogger(__name__)

KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Request-Id", "X-Forwarded-For")


class BodyTooLarge(Exception):
    pass


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, or BodyTooLarge as soon as it passes `limit` (nothing is buffered past it)."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def kept_headers(request: web.Request, extra: Iterable[str] = ()) -> dict[str, str]:
    """Never the Authorization header: secrets do not go into storage or logs."""
    names = (*KEPT_HEADERS, *extra)
    return {name: request.headers[name] for name in names if name in request.headers}


def problem(status: int, error: str, detail: str, **extra: object) -> web.Response:
    return web.json_response({"error": error, "detail": detail, **extra}, status=status)


def _error(cls: type[web.HTTPException], error: str, detail: str, **kwargs: Any) -> web.HTTPException:
    return cls(text=json.dumps({"error": error, "detail": detail}), content_type="application/json", **kwargs)


async def read_delivery(request: web.Request, *, channel: str, limit: int) -> bytes:
    """The body, or 413 (counted) as soon as it passes the limit."""
    try:
        return await read_body(request, limit)
    except BodyTooLarge:
        DELIVERIES_REFUSED.labels(channel, "size").inc()
        raise _error(
            web.HTTPRequestEntityTooLarge,
            "too_large",
            f"body over {limit} bytes",
            max_size=limit,
            actual_size=request.content_length or limit + 1,
        ) from None


async def store_delivery(
    sink: RawEventSink,
    *,
    channel: str,
    account: str,
    headers: Mapping[str, str],
    body: bytes,
    status: str = "pending",
    reason: str | None = None,
) -> int:
    """Commit the raw bytes (and schedule ingest), or 503 so the platform delivers again later."""
    try:
        return await sink.store(
            channel=channel, account=account, headers=headers, body=body, status=status, reason=reason
        )
    except Exception:
        log.exception("%s delivery: storage unavailable", channel)
        raise _error(
            web.HTTPServiceUnavailable, "unavailable", "storage is unavailable; retry later"
        ) from None


def signature_refused(
    request: web.Request, *, channel: str, known: bool, header: str, detail: str
) -> web.Response:
    """403 for a delivery whose signature does not match the account's secret (or no such account),
    counted and logged with why; nothing is stored."""
    DELIVERIES_REFUSED.labels(channel, "signature").inc()
    why = "unknown account" if not known else "missing" if header not in request.headers else "wrong"
    log.warning(
        "%s delivery for %r from %s refused: %s signature",
        channel,
        request.match_info.get("account"),
        request.remote,
        why,
    )
    return problem(403, "forbidden", detail)
