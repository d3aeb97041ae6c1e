"""Outbox -> POST /send_message. A client who unsubscribed is refused before any call (when the sender is
given okno's view of who is reachable); Viber's own codes map to SendFailed: 6 (not subscribed) and 5 (not
on Viber) make the client unreachable and are not retried, 12 (rate limit) is retried with growing backoff,
a bad token or a missing webhook is said plainly."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

import aiohttp

from channels.base import AccountView, SendFailed, SendResult
from channels.viber.api import TIMEOUT, ViberAccount, ViberError
from channels.viber.payloads import Body, bodies
from channels.viber.texts import text as say
from intake.schema import AttachmentRef, OutboundMessage

log = logging.getLogger(__name__)
NOT_REGISTERED = 5
NOT_SUBSCRIBED = 6
RATE_LIMITED = 12
BAD_TOKEN = 2
NO_WEBHOOK = 10


class Reachable(Protocol):
    """Whether okno last knew this Viber user subscribed (workers.viber.StoredReachable reads storage)."""

    async def __call__(self, *, account: str, user_id: str) -> bool: ...


# (blob key, file name, mime) -> a public URL Viber can fetch the file from (storage.blob_links.BlobLinks.url)
PublicLink = Callable[[str, str, str], str]


class ViberSender:
    channel = "viber"

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        reachable: Reachable | None = None,
        links: PublicLink | None = None,
        backoff_s: float = 2.0,
    ) -> None:
        self._session = session
        self.reachable = reachable
        self.links = links
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
        bot = ViberAccount.of(account)
        to = message.recipient_id or message.conversation_key
        if self.reachable is not None and not await self.reachable(account=bot.name, user_id=to):
            raise SendFailed(say("unsubscribed"), unreachable=True)
        if self.links is not None and message.attachments:
            message = message.model_copy(
                update={"attachments": tuple(map(self._public, message.attachments))}
            )
        first: str | None = None
        try:
            for body in bodies(to, bot.sender, message):
                token = await self._post(bot, body)
                first = first or token  # the first token names the Outbox row; later parts' receipts stay raw
        except ViberError as exc:
            raise self._mapped(bot, exc) from None
        self._rate_hits.pop(bot.name, None)
        return SendResult(platform_message_id=first)

    def _public(self, ref: AttachmentRef) -> AttachmentRef:
        """A file okno keeps, given the public link Viber fetches it by (a client's own file has its URL)."""
        if ref.url or not ref.blob_key or self.links is None:
            return ref
        name = ref.filename or ref.kind
        url = self.links(ref.blob_key, name, ref.mime or "application/octet-stream")
        return ref.model_copy(update={"url": url})

    async def _post(self, bot: ViberAccount, body: Body) -> str:
        answer = await bot.call(await self._client(), "send_message", body)
        token = answer.get("message_token")
        if token is None:
            raise SendFailed(f"Viber answered without a message_token: {str(answer)[:200]}")
        return str(token)

    def _mapped(self, bot: ViberAccount, exc: ViberError) -> SendFailed:
        log.info("viber %s: send_message refused: %s", bot.name, exc)
        if exc.status == NOT_SUBSCRIBED:
            return SendFailed(say("unsubscribed"), unreachable=True)
        if exc.status == NOT_REGISTERED:
            return SendFailed(say("not_registered", detail=exc), unreachable=True)
        if exc.status == RATE_LIMITED or exc.http_status == 429:
            hits = self._rate_hits[bot.name] = self._rate_hits.get(bot.name, 0) + 1
            return SendFailed(
                say("rate_limited", detail=exc), retry_after=min(300.0, self.backoff_s * 2**hits)
            )
        if exc.status == BAD_TOKEN:
            return SendFailed(say("bad_token", detail=exc))
        if exc.status == NO_WEBHOOK:
            return SendFailed(say("no_webhook", detail=exc))
        if exc.status is None and exc.http_status >= 500:  # Viber's side is down: worth another try
            return SendFailed(say("refused", detail=exc), retry_after=self.backoff_s * 5)
        return SendFailed(say("refused", detail=exc))
