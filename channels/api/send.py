"""Replies to API clients: signed outgoing webhooks to the account's `webhook_url`."""

from __future__ import annotations

import json
import time

import aiohttp

from channels.api.verify import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from channels.base import AccountView, SendFailed, SendResult
from intake.schema import OutboundMessage

WEBHOOK_SECRET = "webhook_secret"  # noqa: S105 (the name of a secret, not one)
TIMEOUT = aiohttp.ClientTimeout(total=15)


class ApiSender:
    channel = "api"

    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self._session = session

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def send(self, account: AccountView, message: OutboundMessage) -> SendResult:
        url = account.config.get("webhook_url")
        secret = account.secrets.get(WEBHOOK_SECRET)
        if not isinstance(url, str) or not secret:
            raise SendFailed(f"API account {account.name!r} has no webhook_url or webhook_secret")
        delivery = f"okno-outbox-{message.outbox_id}"
        body = json.dumps(_payload(message, delivery), ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret, timestamp, body),
            TIMESTAMP_HEADER: timestamp,
            DELIVERY_HEADER: delivery,
        }
        client = await self._client()
        async with client.post(url, data=body, headers=headers) as response:
            if response.status < 300:
                return SendResult(platform_message_id=delivery)
            detail = (await response.text())[:300]
        if response.status == 429 or response.status >= 500:
            retry_after = _seconds(response.headers.get("Retry-After"))
            raise SendFailed(f"receiver answered {response.status}: {detail}", retry_after=retry_after)
        raise SendFailed(f"receiver refused with {response.status}: {detail}")


def _payload(message: OutboundMessage, delivery: str) -> dict[str, object]:
    return {
        "type": "message",
        "delivery_id": delivery,
        "conversation_id": message.conversation_key,
        "recipient_id": message.recipient_id,
        "reply_to": message.reply_to_key,
        "author": message.author_name,
        "text": message.text,
        "attachments": [a.model_dump(exclude_none=True) for a in message.attachments],
        "choices": list(message.choices),  # answers your widget may offer as buttons, sent back as text
    }


def _seconds(retry_after: str | None, default: float = 5.0) -> float:
    try:
        return max(0.0, float(retry_after)) if retry_after else default
    except ValueError:  # an HTTP-date: not worth parsing for a retry hint
        return default
