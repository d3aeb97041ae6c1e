"""What every channel adapter offers and what it is given (DESIGN.md: channels/base.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from intake.schema import InboundMessage, OutboundMessage


class UnsupportedEvent(Exception):
    """A well-formed event of a kind okno does not turn into a message: kept with the reason, answered 200."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AnomalousPayload(Exception):
    """A payload that does not have the platform's shape: kept with the error, never dropped."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RawPayload:
    """The bytes a platform sent, as stored in a RawEvent, handed to a parser."""

    account: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    received_at: datetime | None = None
    raw_event_id: int | None = None


class ChannelAdapter(Protocol):
    channel: str

    def parse(self, raw: RawPayload) -> list[InboundMessage]:
        """Payload -> messages; raises UnsupportedEvent or AnomalousPayload, never anything else."""
        ...


@dataclass(frozen=True)
class SendResult:
    platform_message_id: str | None
    detail: str | None = None


class SendFailed(Exception):
    """A send the platform refused. `retry_after` set means try again later; None means give up.
    `unreachable`: the recipient cannot be reached on this channel (blocked the bot, left the chat)."""

    def __init__(self, reason: str, *, retry_after: float | None = None, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.unreachable = unreachable


@dataclass(frozen=True)
class AccountView:
    """A ChannelAccount as a channel sees it: config and decrypted secrets, no storage types."""

    channel: str
    name: str
    config: Mapping[str, object]
    secrets: Mapping[str, str]


class ChannelSender(Protocol):
    channel: str

    async def send(self, account: AccountView, message: OutboundMessage) -> SendResult: ...


class RawEventSink(Protocol):
    """Commits the raw bytes of a delivery first, then schedules its ingest (the no-loss inbound path)."""

    async def store(
        self,
        *,
        channel: str,
        account: str,
        headers: Mapping[str, str],
        body: bytes,
        status: str = "pending",
        reason: str | None = None,
    ) -> int: ...


class AccountDirectory(Protocol):
    """Finds the account a request belongs to by its credential; injected into routes by okno/app.py."""

    async def by_token(self, channel: str, token: str) -> AccountView | None: ...

    async def by_name(self, channel: str, name: str) -> AccountView | None: ...


class BlobAccess(Protocol):
    """The blob store as a channel may use it (given by the caller; channels never import storage)."""

    async def put(self, data: bytes) -> str: ...

    async def get(self, key: str) -> bytes: ...
