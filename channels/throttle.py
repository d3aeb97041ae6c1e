"""Spaces a sender's calls under a platform's rate: Meta's 80 messages a second per WhatsApp number,
Telegram's 30 a second per bot. A broadcast queues hundreds of sends at once; without this they hit 429 in a
burst and each retry counts against the send's tries. Per process: several workers share the rate only as
far as each keeps under it."""

from __future__ import annotations

import asyncio
import time


class Throttle:
    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, key: str) -> None:
        """Returns when the next call under `key` may go."""
        async with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(key, now))
            self._next[key] = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
