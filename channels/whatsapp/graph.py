"""A thin Graph API client for one account: URLs, the bearer token, and Meta's error shape parsed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from channels.base import AccountView, SendFailed

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"
ACCESS_TOKEN = "access_token"  # noqa: S105 (the name of a secret, not one)
TIMEOUT = aiohttp.ClientTimeout(total=30)


@dataclass
class GraphError(Exception):
    """{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}} as Meta sends it."""

    http_status: int
    code: int | None
    message: str
    subcode: int | None = None
    details: str | None = None

    def __str__(self) -> str:
        tail = f": {self.details}" if self.details and self.details not in self.message else ""
        return f"{self.code} {self.message}{tail} (HTTP {self.http_status})"


@dataclass(frozen=True)
class GraphAccount:
    """What calling the Graph API for one WhatsApp number needs, read from a ChannelAccount."""

    name: str
    base: str
    phone_number_id: str
    token: str
    template: str | None

    @classmethod
    def of(cls, account: AccountView) -> GraphAccount:
        phone_number_id = account.config.get("phone_number_id")
        token = account.secrets.get(ACCESS_TOKEN)
        if not isinstance(phone_number_id, str) or not phone_number_id or not token:
            raise SendFailed(
                f"WhatsApp account {account.name!r} needs config.phone_number_id and access_token"
            )
        graph_url = str(account.config.get("graph_url") or DEFAULT_GRAPH_URL).rstrip("/")
        version = str(account.config.get("api_version") or DEFAULT_VERSION)
        template = account.config.get("template")
        return cls(
            name=account.name,
            base=f"{graph_url}/{version}",
            phone_number_id=phone_number_id,
            token=token,
            template=template if isinstance(template, str) and template else None,
        )

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, *path: str) -> str:
        return "/".join((self.base, *path))


async def answer(response: aiohttp.ClientResponse) -> dict[str, Any]:
    """The JSON body of a 2xx answer, or GraphError with Meta's code for anything else."""
    try:
        body = await response.json(content_type=None)
    except (aiohttp.ContentTypeError, ValueError):
        body = None
    if response.status < 300 and isinstance(body, dict):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        raise GraphError(response.status, None, f"unexpected answer: {str(body)[:200]}")
    data = error.get("error_data")
    raise GraphError(
        http_status=response.status,
        code=error.get("code") if isinstance(error.get("code"), int) else None,
        message=str(error.get("message") or "error"),
        subcode=error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None,
        details=str(data.get("details")) if isinstance(data, dict) and data.get("details") else None,
    )
