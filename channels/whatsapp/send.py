"""Outbox -> Graph API /{phone_number_id}/messages. Files are uploaded to /media first, then sent by id.

The 24-hour window is checked before any call; Meta's own codes map to SendFailed: 130429 (rate limit) is
retried with backoff, 131047 (window closed) and 131026 (undeliverable) are not."""

from __future__ import annotations

import logging
from typing import Any, Protocol

import aiohttp

from channels.base import AccountView, SendFailed, SendResult
from channels.throttle import Throttle
from channels.whatsapp.directives import reaction_directive, template_directive
from channels.whatsapp.graph import TIMEOUT, GraphAccount, GraphError, answer
from channels.whatsapp.payloads import (
    MAX_BYTES,
    Body,
    choices_body,
    media_body,
    reaction_body,
    send_type,
    template_body,
    text_body,
)
from channels.whatsapp.texts import LANGUAGE
from channels.whatsapp.texts import text as say
from channels.whatsapp.window import CustomerWindow, outside_window
from intake.schema import AttachmentRef, OutboundMessage

log = logging.getLogger(__name__)
RATE_LIMITED = (130429, 131056, 80007)  # throughput, pair rate, WABA rate
OUTSIDE_WINDOW = 131047
UNDELIVERABLE = 131026
TRANSIENT = (1, 2, 131000, 133004)  # unknown, service unavailable, something went wrong, server unavailable
MESSAGES_PER_SECOND = 80.0
CAPTIONED = ("image", "video", "document")


def _send_kind(ref: AttachmentRef) -> str:
    return "audio" if ref.kind == "voice" else send_type(ref.mime)


class BlobReader(Protocol):
    """The part of storage.blobs.BlobStore a sender needs: the bytes of a file okno keeps."""

    async def get(self, key: str) -> bytes: ...


class WhatsAppSender:
    channel = "whatsapp"

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        window: CustomerWindow | None = None,
        blobs: BlobReader | None = None,
        per_second: float = MESSAGES_PER_SECOND,
        backoff_s: float = 2.0,
        language: str = LANGUAGE,
    ) -> None:
        self._session = session
        self.language = language  # the company's: a list's button is the one word okno shows clients itself
        self.window = window
        self.blobs = blobs
        self.throttle = Throttle(per_second)
        self.backoff_s = backoff_s
        self._rate_hits: dict[str, int] = {}

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, account: AccountView, message: OutboundMessage) -> SendResult:
        graph = GraphAccount.of(account)
        to = message.recipient_id or message.conversation_key
        template = template_directive(message.text)
        try:
            if template is not None:
                language = str(account.config.get("template_language") or "ru")
                wamid = await self._post(graph, template_body(to, template, language=language))
            else:
                await self._check_window(graph, to)
                wamid = await self._free_form(graph, to, message)
        except GraphError as exc:
            raise self._mapped(graph, exc) from None
        self._rate_hits.pop(graph.phone_number_id, None)
        return SendResult(platform_message_id=wamid)

    async def mark_read(self, account: AccountView, message_key: str) -> None:
        """Blue ticks for a client's message once a manager has opened it (config.mark_read)."""
        graph = GraphAccount.of(account)
        body = {"messaging_product": "whatsapp", "status": "read", "message_id": message_key}
        client = await self._client()
        try:
            async with client.post(
                graph.url(graph.phone_number_id, "messages"), json=body, headers=graph.auth
            ) as resp:
                await answer(resp)
        except GraphError as exc:
            raise self._mapped(graph, exc) from None

    async def _check_window(self, graph: GraphAccount, to: str) -> None:
        if self.window is None:
            return  # no storage view here: Meta's own 131047 answer is mapped to the same refusal
        await self.window.check(account=graph.name, wa_id=to, template=graph.template)

    async def _free_form(self, graph: GraphAccount, to: str, message: OutboundMessage) -> str:
        reaction = reaction_directive(message.text)
        if reaction is not None:
            if not message.reply_to_key:
                raise SendFailed("a reaction needs the message it reacts to (reply_to_key)")
            return await self._post(graph, reaction_body(to, message.reply_to_key, reaction.emoji))
        kinds = [_send_kind(ref) for ref in message.attachments]
        # One captionable file takes the text as caption; otherwise the text goes first, on its own.
        captioned = len(kinds) == 1 and kinds[0] in CAPTIONED and len(message.text or "") <= 1024
        caption = message.text if captioned else None
        # The first wamid names the Outbox row; statuses of further parts are kept as raw events only.
        first: str | None = None
        if message.text and caption is None:
            first = await self._post(graph, self._text_body(to, message))
        for attachment, kind in zip(message.attachments, kinds, strict=True):
            wamid = await self._send_file(graph, to, attachment, kind, caption, message.reply_to_key)
            first = first or wamid
        if first is None:
            raise SendFailed("nothing to send: no text and no attachments")
        return first

    def _text_body(self, to: str, message: OutboundMessage) -> Body:
        """The text, with the answers to tap where there are some. Only a text-only message carries them: a
        file's caption cannot (an interactive message takes a file only as its header), and on a text sent
        before its files a list would be answered before the files arrive; there the client types the answer
        as the text asks (okno's own questions, the rating, carry no files)."""
        text = message.text or ""
        if message.choices and not message.attachments:
            label = say("choose", self.language)
            body = choices_body(to, text, message.choices, reply_to=message.reply_to_key, label=label)
            if body is not None:
                return body
        return text_body(to, text, reply_to=message.reply_to_key)

    async def _send_file(
        self,
        graph: GraphAccount,
        to: str,
        ref: AttachmentRef,
        kind: str,
        caption: str | None,
        reply_to: str | None,
    ) -> str:
        media_id = await self._upload(graph, ref, kind)
        body = media_body(to, kind, media_id, caption=caption, filename=ref.filename, reply_to=reply_to)
        return await self._post(graph, body)

    async def _upload(self, graph: GraphAccount, ref: AttachmentRef, kind: str) -> str:
        data = await self._bytes_of(ref)
        if len(data) > MAX_BYTES[kind]:
            raise SendFailed(f"{ref.filename or kind}: {len(data)} bytes is over WhatsApp's {kind} limit")
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", ref.mime or "application/octet-stream")
        form.add_field(
            "file", data, filename=ref.filename or kind, content_type=ref.mime or "application/octet-stream"
        )
        client = await self._client()
        async with client.post(
            graph.url(graph.phone_number_id, "media"), data=form, headers=graph.auth
        ) as resp:
            media_id = (await answer(resp)).get("id")
        if not isinstance(media_id, str):
            raise SendFailed("the media upload answered without an id")
        return media_id

    async def _bytes_of(self, ref: AttachmentRef) -> bytes:
        if ref.blob_key and self.blobs is not None:
            return await self.blobs.get(ref.blob_key)
        if ref.url and ref.url.startswith(("http://", "https://")):
            client = await self._client()
            async with client.get(ref.url) as resp:
                if resp.status >= 300:
                    raise SendFailed(f"attachment {ref.url} answered {resp.status}", retry_after=30)
                return await resp.read()
        raise SendFailed(f"attachment {ref.filename or ref.kind} has neither a blob nor a URL to upload")

    async def _post(self, graph: GraphAccount, body: Body) -> str:
        await self.throttle.wait(graph.phone_number_id)
        client = await self._client()
        url = graph.url(graph.phone_number_id, "messages")
        async with client.post(url, json=body, headers=graph.auth) as resp:
            answered: dict[str, Any] = await answer(resp)
        messages = answered.get("messages")
        if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
            raise SendFailed(f"the Graph API answered without a message id: {str(answered)[:200]}")
        return str(messages[0]["id"])

    def _mapped(self, graph: GraphAccount, exc: GraphError) -> SendFailed:
        log.info("whatsapp %s: Graph API refused: %s", graph.name, exc)
        if exc.code == OUTSIDE_WINDOW:
            return outside_window(graph.template)
        if exc.code in RATE_LIMITED or exc.http_status == 429:
            hits = self._rate_hits[graph.phone_number_id] = self._rate_hits.get(graph.phone_number_id, 0) + 1
            return SendFailed(
                say("rate_limited", detail=exc), retry_after=min(300.0, self.backoff_s * 2**hits)
            )
        if exc.code == UNDELIVERABLE:
            return SendFailed(say("undeliverable", detail=exc))
        if exc.code in TRANSIENT or exc.http_status >= 500:
            return SendFailed(say("refused", detail=exc), retry_after=self.backoff_s * 5)
        return SendFailed(say("refused", detail=exc))
