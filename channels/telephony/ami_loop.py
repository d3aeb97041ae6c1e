"""`okno listen` side of Asterisk: an AMI session (panoramisk) whose call events go through the tracker into
the sink, one JSON body per call event (X-Okno-Provider: asterisk). panoramisk reconnects by itself."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from panoramisk import Manager  # type: ignore[import-untyped]

from channels.base import AccountView, RawEventSink
from channels.telephony.ami import CallTracker, Packet
from channels.telephony.calls import CHANNEL, PROVIDER_HEADER

log = logging.getLogger(__name__)
STORE_RETRY_S = 2.0


def as_packet(message: Any) -> Packet:
    """A panoramisk Message (repeated keys come as lists) -> a plain multimap keeping first values."""
    return {str(k): str(v[0] if isinstance(v, list) and v else v) for k, v in message.items()}


class AmiLoop:
    def __init__(self, account: AccountView, *, recordings_dir: str | None = None) -> None:
        self.account = account
        self.name = f"asterisk-ami:{account.name}"
        config = account.config
        self.recordings_dir = str(config.get("recordings_dir") or recordings_dir or "") or None
        self.options = {
            "host": str(config.get("host", "127.0.0.1")),
            "port": int(str(config.get("port", 5038))),
            "username": str(config.get("username", "okno")),
            "secret": account.secrets.get("ami_secret", ""),
            "ping_delay": int(str(config.get("ping_delay", 10))),
            "reconnect_timeout": int(str(config.get("reconnect_s", 2))),
        }

    async def run(self, sink: RawEventSink) -> None:
        tracker = CallTracker(self.recordings_dir)
        found: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        def on_event(_manager: Any, message: Any) -> None:
            for event in tracker.feed(as_packet(message)):
                found.put_nowait(event)

        manager = Manager(loop=asyncio.get_running_loop(), **self.options)
        manager.register_event("*", on_event)
        manager.connect()
        log.info("%s: connecting to %s:%s", self.name, self.options["host"], self.options["port"])
        try:
            while True:
                await self._store(sink, await found.get())
        finally:
            manager.close()

    async def _store(self, sink: RawEventSink, event: dict[str, Any]) -> None:
        body = json.dumps(event, ensure_ascii=False).encode()
        headers = {PROVIDER_HEADER: "asterisk", "Content-Type": "application/json"}
        while True:  # AMI does not redeliver: keep the event until storage takes it
            try:
                await sink.store(channel=CHANNEL, account=self.account.name, headers=headers, body=body)
                return
            except Exception:
                log.warning("%s: storage unavailable; retrying", self.name, exc_info=True)
                await asyncio.sleep(STORE_RETRY_S)
