"""The 24-hour customer-service window: free-form messages only within 24 hours of the client's last message.

Outside it WhatsApp takes templates only; okno refuses before calling the API and offers the template."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from channels.base import SendFailed
from channels.whatsapp.texts import text

WINDOW = timedelta(hours=24)


class LastInbound(Protocol):
    """The client's last message time to this number (workers.whatsapp.StoredLastInbound reads storage)."""

    async def __call__(self, *, account: str, wa_id: str) -> datetime | None: ...


def _now() -> datetime:
    return datetime.now(UTC)


def outside_window(template: str | None) -> SendFailed:
    """The refusal a manager sees, with the configured template offered; never retried."""
    if template:
        return SendFailed(text("outside_window", template=template))
    return SendFailed(text("outside_window_no_template"))


@dataclass
class CustomerWindow:
    last_inbound: LastInbound
    clock: Callable[[], datetime] = field(default=_now)
    length: timedelta = WINDOW

    async def is_open(self, *, account: str, wa_id: str) -> bool:
        last = await self.last_inbound(account=account, wa_id=wa_id)
        return last is not None and self.clock() - last < self.length

    async def check(self, *, account: str, wa_id: str, template: str | None) -> None:
        if not await self.is_open(account=account, wa_id=wa_id):
            raise outside_window(template)
