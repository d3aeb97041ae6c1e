"""A loopback WhatsApp Cloud API (Graph API) stand-in: /messages (reply buttons and lists among them), /media
upload, media lookup and download, templates, and signed webhook delivery to okno (a client's tap too). It
validates like Meta, answers with Meta's shapes and error codes ({"error": {"message", "type", "code",
"error_subcode", "fbtrace_id"}}), and records what it got."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import aiohttp
from aiohttp import web

from sandbox.whatsapp_shapes import (
    MEDIA_MIMES,
    SEND_TYPES,
    inbound_body,
    status_body,
)

WINDOW = timedelta(hours=24)


@dataclass
class Media:
    id: str
    data: bytes
    mime: str
    filename: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Delivery:
    body: dict[str, Any]
    status: int
    answer: str


@dataclass
class GraphApiStandIn:
    access_token: str
    app_secret: str
    phone_number_id: str = "106540352242922"
    display_phone_number: str = "79001234567"
    webhook_url: str | None = None  # okno's /whatsapp/{account}/webhook
    base_url: str = ""  # where this stand-in listens; media download URLs point here
    templates: dict[str, int] = field(default_factory=lambda: {"okno_followup": 1, "hello_world": 0})
    sent: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    last_inbound: dict[str, datetime] = field(default_factory=dict)
    # Errors to answer before succeeding, for retry tests: [(http status, Meta code), …].
    fail_next: list[tuple[int, int]] = field(default_factory=list)
    downloads: int = 0
    marked_read: list[str] = field(default_factory=list)
    download_failures: int = 0  # answer 503 to this many downloads first
    # The WhatsApp Business Account: GET /{waba_id}/message_templates lists template_list (Meta's shape:
    # name, language, status, category, components), template_page_size at a time.
    waba_id: str = "102290129340398"
    template_list: list[dict[str, Any]] = field(default_factory=list)
    template_page_size: int = 100

    def app(self) -> web.Application:
        app = web.Application(client_max_size=110 << 20)
        app.router.add_post("/{version}/{phone_number_id}/messages", self.messages)
        app.router.add_post("/{version}/{phone_number_id}/media", self.upload)
        app.router.add_get("/download/{media_id}", self.download)
        app.router.add_get("/recorded", self.recorded)
        app.router.add_get("/{version}/{media_id}", self.media_info)
        app.router.add_get("/{version}/{waba_id}/message_templates", self.message_templates)
        return app

    # --- the Graph API ---------------------------------------------------------------------------------

    async def messages(self, request: web.Request) -> web.Response:
        refusal = self._gate(request)
        if refusal is not None:
            return refusal
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return self._error(400, 100, "(#100) Invalid JSON in request body", record={})
        if not isinstance(body, dict):
            return self._error(400, 100, "(#100) The request body must be a JSON object", record={})
        if "status" in body:
            return self._mark_read(body)
        problem = self._validate(body)
        if problem is not None:
            return self._error(400, problem[0], problem[1], record=body, details=problem[2])
        if self.fail_next:
            status, code = self.fail_next.pop(0)
            return self._error(status, code, FORCED[code][0], record=body, details=FORCED[code][1])
        wamid = "wamid." + secrets.token_urlsafe(24)
        self.sent.append({**body, "_wamid": wamid})
        to = str(body["to"])
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
                "messages": [{"id": wamid, "message_status": "accepted"}],
            }
        )

    def _mark_read(self, body: dict[str, Any]) -> web.Response:
        """{"messaging_product": "whatsapp", "status": "read", "message_id": …} -> {"success": true}."""
        if body.get("status") != "read" or not isinstance(body.get("message_id"), str):
            return self._error(400, 100, "(#100) Param status must be 'read' with a message_id", record=body)
        self.marked_read.append(body["message_id"])
        return web.json_response({"success": True})

    def _validate(self, body: dict[str, Any]) -> tuple[int, str, str | None] | None:
        if body.get("messaging_product") != "whatsapp":
            return 100, "(#100) The parameter messaging_product is required.", None
        to = body.get("to")
        if not isinstance(to, str) or not to.lstrip("+").isdigit():
            return 100, "(#100) The parameter to is required.", None
        kind = body.get("type", "text")
        if kind not in SEND_TYPES:
            return 100, f'(#100) Param type must be one of {{{", ".join(SEND_TYPES)}}} - got "{kind}".', None
        content = body.get(kind)
        if not isinstance(content, dict):
            return 100, f"(#100) The parameter {kind} is required.", None
        problem = SEND_TYPES[kind](self, content)
        if problem is not None:
            return problem
        if kind not in ("template", "reaction") and not self._window_open(to.lstrip("+")):
            return (
                131047,
                "(#131047) Re-engagement message",
                "Message failed to send because more than 24 hours have passed since the customer last "
                "replied to this number.",
            )
        return None

    def _window_open(self, wa_id: str) -> bool:
        last = self.last_inbound.get(wa_id)
        return last is not None and datetime.now(UTC) - last < WINDOW

    async def upload(self, request: web.Request) -> web.Response:
        refusal = self._gate(request)
        if refusal is not None:
            return refusal
        form = await request.post()
        upload = form.get("file")
        if form.get("messaging_product") != "whatsapp":
            return self._error(400, 100, "(#100) The parameter messaging_product is required.", record={})
        if not isinstance(upload, web.FileField):
            return self._error(400, 100, "(#100) The parameter file is required.", record={})
        mime = (upload.content_type or "").split(";")[0]
        limit = MEDIA_MIMES.get(mime)
        if limit is None:
            return self._error(
                400, 131053, "(#131053) Media upload error", record={}, details=f"{mime} is not supported"
            )
        data = upload.file.read()
        if len(data) > limit:
            return self._error(
                400, 131053, "(#131053) Media upload error", record={}, details="file too large"
            )
        # aiohttp percent-encodes non-ASCII names in multipart; read them back as the sender meant them.
        item = self.add_media(data, mime, unquote(upload.filename))
        return web.json_response({"id": item.id})

    async def media_info(self, request: web.Request) -> web.Response:
        refusal = self._gate(request, check_number=False)
        if refusal is not None:
            return refusal
        item = self.media.get(request.match_info["media_id"])
        if item is None:
            return self._missing(request.match_info["media_id"], "get")
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.base_url}/download/{item.id}",
                "mime_type": item.mime,
                "sha256": item.sha256,
                "file_size": len(item.data),
                "id": item.id,
            }
        )

    async def download(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return web.Response(status=401, text="Unauthorized")
        item = self.media.get(request.match_info["media_id"])
        if item is None:
            return web.Response(status=404, text="Not Found")
        self.downloads += 1
        if self.download_failures > 0:
            self.download_failures -= 1
            return web.Response(status=503, text="Service Unavailable")
        return web.Response(body=item.data, content_type=item.mime)

    async def message_templates(self, request: web.Request) -> web.Response:
        """Meta's template list: {"data": [...], "paging": {"cursors": {...}, "next": url}}, `next` only
        while more follow; the cursor here is the offset, opaque to the caller as Meta's is."""
        refusal = self._gate(request, check_number=False)
        if refusal is not None:
            return refusal
        if request.match_info["waba_id"] != self.waba_id:
            return self._missing(request.match_info["waba_id"], "get")
        try:
            limit = min(int(request.query.get("limit", "25")), self.template_page_size)
            start = int(request.query.get("after", "0"))
        except ValueError:
            return self._error(400, 100, "(#100) Invalid parameter", record={})
        fields = [f for f in request.query.get("fields", "name,status").split(",") if f] + ["id"]
        page = self.template_list[start : start + max(limit, 1)]
        data = [{k: v for k, v in item.items() if k in fields} for item in page]
        end = start + len(page)
        paging: dict[str, Any] = {"cursors": {"before": str(start), "after": str(end)}}
        if end < len(self.template_list):
            paging["next"] = str(request.url.update_query(after=str(end)))
        return web.json_response({"data": data, "paging": paging})

    def expected_params(self, name: str, language: str) -> list[str | None] | None:
        """What a send of this template must carry in its body: one entry per parameter, the parameter's
        name for a NAMED template; None when the template is unknown here."""
        for item in self.template_list:
            wanted = (item.get("name"), item.get("language"), item.get("status"))
            if wanted != (name, language, "APPROVED"):
                continue
            body: dict[str, Any] = next((c for c in item["components"] if c.get("type") == "BODY"), {})
            found = list(dict.fromkeys(re.findall(r"\{\{\s*(\w+)\s*\}\}", str(body.get("text", "")))))
            named = item.get("parameter_format") == "NAMED"
            return [p if named else None for p in found]
        if name in self.templates:
            return [None] * self.templates[name]
        return None

    async def recorded(self, _request: web.Request) -> web.Response:
        return web.json_response({"sent": self.sent, "refused": self.refused, "media": list(self.media)})

    def _gate(self, request: web.Request, *, check_number: bool = True) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return self._error(
                401,
                190,
                "Invalid OAuth access token - Cannot parse access token",
                kind="OAuthException",
                record={},
            )
        number = request.match_info.get("phone_number_id")
        if check_number and number != self.phone_number_id:
            return self._missing(str(number), "post")
        return None

    def _missing(self, object_id: str, verb: str) -> web.Response:
        message = (
            f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, "
            "cannot be loaded due to missing permissions, or does not support this operation."
        )
        return self._error(400, 100, message, kind="GraphMethodException", subcode=33, record={})

    def _error(
        self,
        status: int,
        code: int,
        message: str,
        *,
        record: dict[str, Any],
        details: str | None = None,
        kind: str = "OAuthException",
        subcode: int | None = None,
    ) -> web.Response:
        error: dict[str, Any] = {
            "message": message,
            "type": kind,
            "code": code,
            "fbtrace_id": secrets.token_hex(8),
        }
        if subcode is not None:
            error["error_subcode"] = subcode
        if details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": details}
        self.refused.append({"code": code, "message": message, "body": record})
        return web.json_response({"error": error}, status=status)

    # --- the WhatsApp side: media the client sends, signed webhooks to okno ----------------------------

    def add_media(self, data: bytes, mime: str, filename: str | None = None) -> Media:
        item = Media(
            id=str(10**15 + len(self.media) * 7919 + secrets.randbelow(7919)),
            data=data,
            mime=mime,
            filename=filename,
        )
        self.media[item.id] = item
        return item

    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()

    async def deliver(self, body: dict[str, Any], *, signature: str | None = None) -> Delivery:
        """POST a webhook body to okno as Meta does: compact JSON, signed over the exact bytes."""
        if self.webhook_url is None:
            raise RuntimeError("set webhook_url to okno's /whatsapp/{account}/webhook first")
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature or self.sign(raw)}
        async with (
            aiohttp.ClientSession() as http,
            http.post(self.webhook_url, data=raw, headers=headers) as resp,
        ):
            delivery = Delivery(body, resp.status, await resp.text())
        self.deliveries.append(delivery)
        return delivery

    async def client_writes(
        self, wa_id: str, name: str, message: dict[str, Any], *, at: datetime | None = None
    ) -> str:
        """A client message (a `messages[]` item minus from/id/timestamp) delivered to okno; its wamid."""
        when = at or datetime.now(UTC)
        wamid = "wamid." + secrets.token_urlsafe(24)
        item = {"from": wa_id, "id": wamid, "timestamp": str(int(when.timestamp())), **message}
        body = inbound_body(self.phone_number_id, self.display_phone_number, wa_id, name, item)
        delivery = await self.deliver(body)
        if delivery.status == 200:
            self.last_inbound[wa_id] = max(self.last_inbound.get(wa_id, when), when)
        return wamid

    async def client_taps(
        self, wa_id: str, name: str, wamid: str, title: str, *, at: datetime | None = None
    ) -> str:
        """The client taps `title` on the reply buttons or the list okno sent as `wamid`: WhatsApp sends a
        button_reply / list_reply with the tapped id and title, replying to that message. Its wamid."""
        sent = next((s for s in self.sent if s["_wamid"] == wamid and s.get("type") == "interactive"), None)
        if sent is None:
            raise LookupError(f"{wamid} is no interactive message sent to {wa_id}")
        interactive = sent["interactive"]
        if interactive["type"] == "button":
            offered = [button["reply"] for button in interactive["action"]["buttons"]]
        else:
            offered = [row for section in interactive["action"]["sections"] for row in section["rows"]]
        tapped = next((choice for choice in offered if choice["title"] == title), None)
        if tapped is None:
            raise LookupError(f"{title!r} is not offered on {wamid}")  # a client taps only what is shown
        kind = "button_reply" if interactive["type"] == "button" else "list_reply"
        message = {
            "type": "interactive",
            "interactive": {"type": kind, kind: {"id": tapped["id"], "title": tapped["title"]}},
            "context": {"from": self.display_phone_number, "id": wamid},
        }
        return await self.client_writes(wa_id, name, message, at=at)

    async def report_status(
        self, wamid: str, status: str, *, errors: list[dict[str, Any]] | None = None
    ) -> Delivery:
        sent = next((s for s in self.sent if s["_wamid"] == wamid), None)
        to = str(sent["to"]).lstrip("+") if sent else "0"
        body = status_body(self.phone_number_id, self.display_phone_number, wamid, status, to, errors)
        return await self.deliver(body)


# Error codes a test may ask for with fail_next, with Meta's message and details.
FORCED: dict[int, tuple[str, str]] = {
    130429: ("(#130429) Rate limit hit", "Cloud API message throughput has been reached."),
    131026: ("(#131026) Message Undeliverable.", "Message Undeliverable."),
    131047: (
        "(#131047) Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to "
        "this number.",
    ),
    131000: ("(#131000) Something went wrong", "Something went wrong"),
}
