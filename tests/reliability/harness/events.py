"""The mixed inbound burst: generic API events, Telegram updates, signed WhatsApp webhooks, signed PBX call
webhooks (started + ended of one call) and mails for the IMAP box, each with what okno must make of it.

What okno must make of a delivery (its event ids and message key) comes from the channel's own parser run
on the very bytes sent: the crash run checks that every one of those keys is stored exactly once."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from channels.api.verify import sign
from channels.base import RawPayload
from channels.telephony.calls import PROVIDER_HEADER
from okno.services import parsers
from sandbox.whatsapp_shapes import inbound_body

CLIENTS_PER_CHANNEL = 25
# Of every 20 deliveries: API 6, Telegram 4, WhatsApp 4, PBX 4 (two calls), email 2.
MIX = ("api",) * 6 + ("telegram",) * 4 + ("whatsapp",) * 4 + ("call",) * 2 + ("email",) * 2


@dataclass(frozen=True)
class Accounts:
    """The secrets the senders use, the same ones stored in the run's channel accounts."""

    api_token: str
    telegram_secret: str
    whatsapp_app_secret: str
    whatsapp_phone_id: str
    pbx_secret: str
    mailbox_address: str


@dataclass
class Delivery:
    """One webhook delivery: sent again, byte for byte, until okno answers 2xx."""

    channel: str
    account: str
    path: str
    body: bytes
    headers: Callable[[], dict[str, str]]  # fresh per attempt (the PBX signs a timestamp)
    event_ids: tuple[str, ...] = ()
    message_key: str = ""
    attempts: int = 0
    acked_by: str | None = None


@dataclass
class Mail:
    raw: bytes
    event_ids: tuple[str, ...] = ()
    message_key: str = ""


@dataclass
class Burst:
    deliveries: list[Delivery] = field(default_factory=list)
    mails: list[Mail] = field(default_factory=list)

    @property
    def events(self) -> int:
        return len(self.deliveries) + len(self.mails)

    def expected(self) -> dict[str, tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]]:
        """channel -> ({(channel, account, event_id)}, {(channel, account, message_key)})."""
        found: dict[str, tuple[set[tuple[str, str, str]], set[tuple[str, str, str]]]] = {}
        items: list[Delivery | Mail] = [*self.deliveries, *self.mails]
        for item in items:
            channel, account = (
                (item.channel, item.account) if isinstance(item, Delivery) else ("email", "mailbox")
            )
            events, keys = found.setdefault(channel, (set(), set()))
            events.update((channel, account, e) for e in item.event_ids)
            keys.add((channel, account, item.message_key))
        return found


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _expect(channel: str, account: str, body: bytes, headers: dict[str, str]) -> tuple[tuple[str, ...], str]:
    messages = parsers()[channel].parse(RawPayload(account=account, body=body, headers=headers))
    assert len(messages) == 1, f"the burst builds one message per delivery, {channel} made {len(messages)}"
    return (messages[0].event_id,), messages[0].message_key


def api_delivery(run: str, n: int, accounts: Accounts) -> Delivery:
    client = n % CLIENTS_PER_CHANNEL
    body = _json(
        {
            "event_id": f"{run}-api-{n}",
            "sender": {"id": f"api-client-{client}", "name": f"Клиент API {client}"},
            "text": f"Вопрос {n}: когда будет счёт?",
        }
    )
    headers = {"Authorization": f"Bearer {accounts.api_token}", "Content-Type": "application/json"}
    events, key = _expect("api", "site", body, headers)
    return Delivery("api", "site", "/api/v1/inbound", body, lambda: dict(headers), events, key)


def telegram_delivery(run: str, n: int, accounts: Accounts) -> Delivery:
    user_id = 7_000_000 + n % CLIENTS_PER_CHANNEL
    user = {"id": user_id, "is_bot": False, "first_name": f"Клиент {n % CLIENTS_PER_CHANNEL}"}
    message = {
        "message_id": n + 1,
        "from": user,
        "chat": {"id": user_id, "first_name": user["first_name"], "type": "private"},
        "date": int(time.time()),
        "text": f"Telegram {run} сообщение {n}",
    }
    body = _json({"update_id": n + 1, "message": message})
    headers = {
        "X-Telegram-Bot-Api-Secret-Token": accounts.telegram_secret,
        "Content-Type": "application/json",
    }
    events, key = _expect("telegram", "bot", body, headers)
    return Delivery("telegram", "bot", "/telegram/bot/webhook", body, lambda: dict(headers), events, key)


def whatsapp_delivery(run: str, n: int, accounts: Accounts) -> Delivery:
    wa_id = f"7925{n % CLIENTS_PER_CHANNEL:07d}"
    item = {
        "from": wa_id,
        "id": f"wamid.{run}.{n}",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": f"WhatsApp сообщение {n}"},
    }
    body = _json(inbound_body(accounts.whatsapp_phone_id, "79001234567", wa_id, f"Клиент WA {n}", item))
    signature = "sha256=" + hmac.new(accounts.whatsapp_app_secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}
    events, key = _expect("whatsapp", "wa", body, headers)
    return Delivery("whatsapp", "wa", "/whatsapp/wa/webhook", body, lambda: dict(headers), events, key)


def call_deliveries(run: str, n: int, accounts: Accounts) -> list[Delivery]:
    """call.started and call.ended of one call: two deliveries, one message."""
    call_id = f"{run}-call-{n}"
    start = datetime.now(UTC).replace(microsecond=0)
    common = {"call_id": call_id, "direction": "inbound", "from": f"+7916{n % CLIENTS_PER_CHANNEL:07d}"}
    bodies = [
        _json({**common, "event": "call.started", "at": start.isoformat(), "to": "+74950000000"}),
        _json({**common, "event": "call.ended", "at": start.isoformat(), "duration_s": 42}),
    ]
    out = []
    for body in bodies:

        def headers(body: bytes = body) -> dict[str, str]:
            stamp = str(int(time.time()))
            return {
                "Content-Type": "application/json",
                "X-Okno-Timestamp": stamp,
                "X-Okno-Signature": sign(accounts.pbx_secret, stamp, body),
            }

        events, key = _expect("telephony", "pbx", body, {PROVIDER_HEADER: "generic"})
        out.append(Delivery("telephony", "pbx", "/telephony/generic/pbx/webhook", body, headers, events, key))
    return out


def mail(run: str, n: int, accounts: Accounts) -> Mail:
    client = n % CLIENTS_PER_CHANNEL
    message = EmailMessage()
    message["From"] = f"Клиент {client} <client{client}@example.ru>"
    message["To"] = accounts.mailbox_address
    message["Subject"] = f"Заявка {n}"
    message["Message-ID"] = f"<{run}.{n}.{uuid.uuid4().hex[:8]}@example.ru>"
    message["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    message.set_content(f"Письмо {n}: прошу выставить счёт.", cte="8bit")
    raw = message.as_bytes()
    events, key = _expect("email", "mailbox", raw, {"mailbox": "INBOX"})
    return Mail(raw, events, key)


def burst(run: str, events: int, accounts: Accounts) -> Burst:
    """About `events` deliveries in a fixed mix (a call is two), in an interleaved order."""
    out = Burst()
    for n, kind in zip(range(events), _cycle(), strict=False):
        if out.events >= events:
            break
        if kind == "api":
            out.deliveries.append(api_delivery(run, n, accounts))
        elif kind == "telegram":
            out.deliveries.append(telegram_delivery(run, n, accounts))
        elif kind == "whatsapp":
            out.deliveries.append(whatsapp_delivery(run, n, accounts))
        elif kind == "call":
            out.deliveries.extend(call_deliveries(run, n, accounts))
        else:
            out.mails.append(mail(run, n, accounts))
    return out


def _cycle() -> Iterator[str]:
    while True:
        yield from MIX
