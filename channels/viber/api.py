"""A thin Viber REST API client for one bot: the URL, the X-Viber-Auth-Token header, and Viber's answer shape
({"status": 0, "status_message": "ok", …}: HTTP 200 with the real result in `status`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from channels.base import AccountView, SendFailed

DEFAULT_API_URL = "https://chatapi.viber.com/pa"
AUTH_TOKEN = "auth_token"  # noqa: S105 (the name of a secret, not one)
AUTH_HEADER = "X-Viber-Auth-Token"
SENDER_NAME_MAX = 28  # Viber's limit on sender.name
TIMEOUT = aiohttp.ClientTimeout(total=30)
# Every callback okno keeps; `webhook` (the URL check) always comes.
EVENT_TYPES = ("delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started")


@dataclass
class ViberError(Exception):
    """A nonzero `status` (Viber's code), or an HTTP answer that is not Viber's JSON (status None)."""

    status: int | None
    message: str
    http_status: int = 200

    def __str__(self) -> str:
        return (
            f"{self.status} {self.message}"
            if self.status is not None
            else f"HTTP {self.http_status}: {self.message}"
        )


@dataclass(frozen=True)
class ViberAccount:
    """What calling the REST API for one bot needs, read from a ChannelAccount."""

    name: str
    base: str
    token: str
    sender_name: str
    sender_avatar: str | None

    @classmethod
    def of(cls, account: AccountView) -> ViberAccount:
        token = account.secrets.get(AUTH_TOKEN)
        if not token:
            raise SendFailed(f"Viber account {account.name!r} needs the secret auth_token")
        avatar = account.config.get("sender_avatar")
        return cls(
            name=account.name,
            base=str(account.config.get("api_url") or DEFAULT_API_URL).rstrip("/"),
            token=token,
            sender_name=str(account.config.get("sender_name") or account.name)[:SENDER_NAME_MAX],
            sender_avatar=avatar if isinstance(avatar, str) and avatar else None,
        )

    @property
    def sender(self) -> dict[str, str]:
        sender = {"name": self.sender_name}
        if self.sender_avatar:
            sender["avatar"] = self.sender_avatar
        return sender

    async def call(self, http: aiohttp.ClientSession, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST /<method>: the answer when `status` is 0, else ViberError with Viber's code."""
        async with http.post(f"{self.base}/{method}", json=body, headers={AUTH_HEADER: self.token}) as resp:
            try:
                answer = await resp.json(content_type=None)
            except (aiohttp.ContentTypeError, ValueError):
                answer = None
            if not isinstance(answer, dict) or not isinstance(answer.get("status"), int):
                raise ViberError(None, f"unexpected answer: {str(answer)[:200]}", resp.status)
        if answer["status"] != 0:
            raise ViberError(answer["status"], str(answer.get("status_message") or "error"), resp.status)
        return answer
