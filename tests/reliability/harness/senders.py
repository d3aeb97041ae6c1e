"""Platforms as they behave on errors: a delivery without a 2xx answer (refused, reset, timed out) is sent
again, byte for byte, with backoff, to any of okno's servers, until it is acknowledged. Mails go into the
IMAP box."""

from __future__ import annotations

import asyncio
import imaplib
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from tests.reliability.harness.events import Burst, Delivery, Mail

TIMEOUT = aiohttp.ClientTimeout(total=10)
BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 3.0)


@dataclass
class Platforms:
    urls: list[str]
    concurrency: int = 32
    answers: Counter[str] = field(default_factory=Counter)  # "200", "503", "reset", "timeout", …
    acks_by_server: Counter[str] = field(default_factory=Counter)

    async def deliver(self, http: aiohttp.ClientSession, delivery: Delivery) -> None:
        while True:
            url = random.choice(self.urls)
            delivery.attempts += 1
            try:
                async with http.post(
                    url + delivery.path, data=delivery.body, headers=delivery.headers(), timeout=TIMEOUT
                ) as response:
                    await response.read()
                    self.answers[str(response.status)] += 1
                    if response.status < 300:
                        delivery.acked_by = url
                        self.acks_by_server[url] += 1
                        return
            except TimeoutError:
                self.answers["timeout"] += 1
            except aiohttp.ClientError:
                self.answers["reset"] += 1  # refused or cut off: the server died, or is starting
            pause = BACKOFF_S[min(delivery.attempts - 1, len(BACKOFF_S) - 1)]
            await asyncio.sleep(pause * random.uniform(0.5, 1.5))

    async def send_all(self, burst: Burst, *, duration_s: float, mailbox: MailDrop) -> None:
        """Spread the burst over `duration_s`, at most `concurrency` deliveries in flight."""
        slots = asyncio.Semaphore(self.concurrency)
        started = time.monotonic()
        total = max(1, burst.events)
        order: list[Delivery | Mail] = [*burst.deliveries, *burst.mails]
        order.sort(key=lambda item: random.random())
        tasks: list[asyncio.Task[None]] = []
        async with aiohttp.ClientSession() as http:
            try:
                for n, item in enumerate(order):
                    delay = started + duration_s * n / total - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    if isinstance(item, Mail):
                        await mailbox.drop(item)
                        continue
                    await slots.acquire()
                    task = asyncio.create_task(self.deliver(http, item))
                    task.add_done_callback(lambda _t: slots.release())
                    tasks.append(task)
                await asyncio.gather(*tasks)
            finally:  # on a deadline: no delivery may outlive the session
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)


@dataclass
class MailDrop:
    """Mail arriving in the company's mailbox: IMAP APPEND into the private Dovecot (in a thread)."""

    port: int
    user: str
    password: str
    mailbox: str = "INBOX"
    appended: int = 0

    async def drop(self, mail: Mail) -> None:
        await asyncio.to_thread(self._append, mail.raw)
        self.appended += 1

    def _append(self, raw: bytes) -> None:
        imap = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            imap.login(self.user, self.password)
            status, _ = imap.append(self.mailbox, None, None, raw)
            assert status == "OK", f"APPEND to the private Dovecot failed: {status}"
        finally:
            imap.logout()
