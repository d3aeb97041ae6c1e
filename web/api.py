"""The staff JSON API: requests and clients, a reply in the client's channel (with files), status changes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from channels.api.verify import bearer_token
from channels.http_body import problem
from storage.blobs import BlobStore
from storage.db import Database
from storage.models import Client, PersonalReply, Request, Staff
from storage.repos.accounts import staff_by_api_token
from storage.repos.clients import merges, undo_merge
from storage.repos.requests import RequestTransitionError, change_status, list_requests, wait_for_client
from storage.repos.saved_replies import usable_replies
from storage.types import utcnow
from web import reply_files
from web.texts import text as texts_text
from web.views import client_detail, merge_view, request_detail, request_view
from workers.outbound import NothingToReplyTo, queue_reply
from workers.queue import JobQueue
from workers.saved_replies import SavedReplyError, reply_text

DB = web.AppKey("okno_db", Database)
QUEUE = web.AppKey("okno_queue", JobQueue)
BLOBS = web.AppKey("okno_blobs", BlobStore)
STAFF = web.RequestKey("okno_staff", Staff)
MAX_LIMIT = 500
REPLY_PATH = re.compile(r"/api/v1/requests/\d+/reply")


@web.middleware
async def staff_auth(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every /api/v1 route but inbound needs an active staff member's API token."""
    if not request.path.startswith("/api/v1/") or request.path == "/api/v1/inbound":
        return await handler(request)  # type: ignore[no-any-return]
    token = bearer_token(request)
    staff = None
    if token:
        async with request.app[DB].session() as session:
            staff = await staff_by_api_token(session, token=token)
    if staff is None:  # the body is never read: a stranger's upload stays at okno's body limit, unread
        return problem(401, "unauthorized", "a staff API token is required (okno staff add --api-token)")
    if (
        request.method == "POST"
        and request.content_type == "multipart/form-data"
        and REPLY_PATH.fullmatch(request.path)
    ):  # a reply with files takes the web reply form's room (web/ui.reply_uploads), a token's holder only
        request = request.clone(client_max_size=max(reply_files.MAX_BODY_BYTES, request.client_max_size))
    request[STAFF] = staff
    return await handler(request)  # type: ignore[no-any-return]


def _int(request: web.Request, name: str, default: int, *, upper: int | None = None) -> int:
    raw = request.match_info.get(name) or request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "bad_parameter", "detail": f"{name} must be a number"}),
            content_type="application/json",
        )
    return min(int(raw), upper) if upper else int(raw)


async def get_requests(request: web.Request) -> web.Response:
    status = request.query.get("status")
    async with request.app[DB].session() as session:
        rows = await list_requests(
            session,
            status=status,
            limit=_int(request, "limit", 100, upper=MAX_LIMIT),
            offset=_int(request, "offset", 0),
        )
        return web.json_response({"requests": [request_view(r) for r in rows]})


async def get_request(request: web.Request) -> web.Response:
    async with request.app[DB].session() as session:
        row = await session.get(Request, _int(request, "id", 0))
        if row is None:
            return problem(404, "not_found", "no such request")
        return web.json_response(await request_detail(session, row))


async def get_client(request: web.Request) -> web.Response:
    async with request.app[DB].session() as session:
        client = await session.get(Client, _int(request, "id", 0))
        if client is None:
            return problem(404, "not_found", "no such client")
        return web.json_response(await client_detail(session, client))


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text='{"error": "bad_json"}', content_type="application/json") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text='{"error": "bad_json"}', content_type="application/json")
    return data


async def _reply_form(request: web.Request) -> tuple[str, list[tuple[web.FileField, bytes]]] | web.Response:
    """A multipart reply: its `text` (optional) and `files`, checked as the web reply form's are."""
    count, most = reply_files.MAX_FILES, reply_files.MAX_FILE_BYTES // (1024 * 1024)
    too_large = f"a reply's body is at most {count} files of {most} MB and the text"
    if (request.content_length or 0) > request.client_max_size:  # refused from the declared length, unread
        return problem(413, "too_large", too_large)
    try:
        form = await request.post()
        files = reply_files.read(form)
    except reply_files.Refused as exc:  # too many, empty or too large: nothing stored, nothing sent
        name = {"filename": exc.values["name"]} if "name" in exc.values else {}
        detail = texts_text(exc.key, "en").format(**exc.values)
        return problem(422, exc.key.removeprefix("conv."), detail, **name)
    except web.HTTPRequestEntityTooLarge:  # a chunked body, past the limit while read
        return problem(413, "too_large", too_large)
    except ValueError as exc:  # not multipart as sent: no boundary, a part without a name…
        return problem(400, "bad_form", f"multipart/form-data could not be read: {exc}")
    text = form.get("text", "")
    if not isinstance(text, str):
        return problem(422, "invalid", "text: a form field, not a file")
    if not text.strip() and not files:
        return problem(422, "invalid", "text or files: a non-empty text, a file or both are required")
    return (text if text.strip() else ""), files


async def post_reply(request: web.Request) -> web.Response:
    """JSON `{"text": …}`, or multipart/form-data: `text` (optional with files) and up to five `files`
    (web/reply_files.py); a text that is one «/код» is that saved reply, filled in."""
    files: list[tuple[web.FileField, bytes]] = []
    if request.content_type == "multipart/form-data":
        got = await _reply_form(request)
        if isinstance(got, web.Response):
            return got
        text, files = got
    else:
        data = await _json(request)
        sent = data.get("text")
        if not isinstance(sent, str) or not sent.strip():
            return problem(422, "invalid", "text: a non-empty string is required")
        text = sent
    staff: Staff = request[STAFF]
    async with request.app[DB].session() as session:
        row = await session.get(Request, _int(request, "id", 0))
        if row is None:
            return problem(404, "not_found", "no such request")
        try:  # «/реквизиты» is the company's saved reply of that code, filled in, as in the web and the bot
            text = await reply_text(session, text, request=row, staff=staff) if text else text
        except SavedReplyError as exc:
            return problem(422, exc.reason, str(exc))
    attachments = await reply_files.store(request.app[BLOBS], files)
    try:
        outbox = await queue_reply(
            request.app[DB],
            request.app[QUEUE],
            request_id=row.id or 0,
            staff_id=staff.id or 0,
            text=text,
            attachments=attachments,
        )
    except NothingToReplyTo as exc:
        return problem(404, "not_found", str(exc))
    sent_files = [{"filename": a.filename, "size": a.size, "mime": a.mime} for a in attachments]
    return web.json_response(
        {"status": "queued", "outbox_id": outbox.id, "attachments": sent_files}, status=202
    )


async def get_saved_replies(request: web.Request) -> web.Response:
    """The saved replies the token's member can send (their own, and the company's): send one by posting its
    «/код» as a reply's text."""
    staff: Staff = request[STAFF]
    async with request.app[DB].session() as session:
        rows = await usable_replies(session, staff_id=staff.id)
    return web.json_response(
        {
            "saved_replies": [
                {"code": r.code, "text": r.text, "personal": isinstance(r, PersonalReply)} for r in rows
            ]
        }
    )


async def post_status(request: web.Request) -> web.Response:
    data = await _json(request)
    staff: Staff = request[STAFF]
    async with request.app[DB].session() as session:
        row = await session.get(Request, _int(request, "id", 0))
        if row is None:
            return problem(404, "not_found", "no such request")
        status, raw_until = str(data.get("status")), data.get("waiting_until")
        until = _aware(raw_until) if raw_until is not None else None
        if raw_until is not None and (status != "waiting_client" or until is None):
            return problem(
                422,
                "invalid",
                "waiting_until: an ISO 8601 date-time with its offset, with status waiting_client",
            )
        try:
            if status == "waiting_client":  # again on a waiting request: the wait starts over
                await wait_for_client(session, request=row, at=utcnow(), staff_id=staff.id, until=until)
            else:
                await change_status(session, request=row, status=status, at=utcnow(), staff_id=staff.id)
        except RequestTransitionError as exc:
            return problem(409, "conflict", str(exc))
        await session.commit()
        return web.json_response(request_view(row))


def _aware(raw: object) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return value.astimezone(UTC) if value.tzinfo is not None else None


async def get_merges(request: web.Request) -> web.Response:
    async with request.app[DB].session() as session:
        rows = await merges(session)
        return web.json_response({"merges": [merge_view(m) for m in rows]})


async def post_undo_merge(request: web.Request) -> web.Response:
    """A manager says two merged contacts are different people: put back exactly what the merge moved."""
    staff = request[STAFF]
    async with request.app[DB].session() as session:
        try:
            merge = await undo_merge(session, merge_id=_int(request, "id", 0), staff_id=staff.id)
        except ValueError as exc:
            return problem(409, "conflict", str(exc))
        await session.commit()
        return web.json_response(merge_view(merge))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/v1/requests", get_requests),
        web.get("/api/v1/requests/{id}", get_request),
        web.post("/api/v1/requests/{id}/reply", post_reply),
        web.post("/api/v1/requests/{id}/status", post_status),
        web.get("/api/v1/saved-replies", get_saved_replies),
        web.get("/api/v1/clients/{id}", get_client),
        web.get("/api/v1/merges", get_merges),
        web.post("/api/v1/merges/{id}/undo", post_undo_merge),
    ]
