"""The Asterisk AMI listener (panoramisk) against a loopback AMI server replaying the corpus captures: it logs
in, the replayed call events go through the tracker into the real sink, and ingest turns them into one call
message with its operator, answer, end and MixMonitor recording. A refused login stores nothing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from channels.base import AccountView
from channels.telephony.ami import packets
from channels.telephony.ami_loop import AmiLoop
from okno.services import Services
from storage.models import Call, Message, RawEvent
from tests.corpus import corpus_files

pytestmark = pytest.mark.storage
FIXTURE = Path(__file__).with_name("fixtures") / "ami_inbound_call.txt"
SECRET = "mysecret"


def _wire(packet: dict[str, str]) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in packet.items()).encode() + b"\r\n"


class ReplayingAmi:
    """Speaks AMI on loopback: banner, Login answered with the captured Success/Error, then the events."""

    def __init__(self, events: list[dict[str, str]]) -> None:
        self.events = events
        self.logins: list[str] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/5.0.1\r\n")
        action = await self._read_packet(reader)
        self.logins.append(action.get("Username", ""))
        accepted = action.get("Secret") == SECRET
        reply = "Success" if accepted else "Error"
        message = "Authentication accepted" if accepted else "Authentication failed"
        writer.write(_wire({"Response": reply, "ActionID": action.get("ActionID", ""), "Message": message}))
        if accepted:
            for event in self.events:
                writer.write(_wire(event))
        await writer.drain()
        with contextlib.suppress(ConnectionError):
            await reader.read()  # hold the session open until the client leaves
        writer.close()

    async def _read_packet(self, reader: asyncio.StreamReader) -> dict[str, str]:
        lines = []
        while (line := (await reader.readline()).decode().strip()) != "":
            lines.append(line)
        return next(packets("\n".join(lines)), {})


def replayed_events() -> list[dict[str, str]]:
    """Every Event packet of every corpus capture, then a full inbound call (Asterisk 16 shape)."""
    events = [
        packet
        for path in corpus_files("telephony/asterisk_ami/*.yaml")
        for packet in packets(path.read_text(encoding="utf-8"))
        if "Event" in packet
    ]
    return events + [p for p in packets(FIXTURE.read_text(encoding="utf-8")) if "Event" in p]


@pytest.fixture
async def ami() -> AsyncIterator[tuple[ReplayingAmi, int]]:
    server_side = ReplayingAmi(replayed_events())
    server = await asyncio.start_server(server_side, "127.0.0.1", 0)
    yield server_side, server.sockets[0].getsockname()[1]
    server.close()


def _account(port: int, secret: str) -> AccountView:
    config = {"provider": "asterisk", "host": "127.0.0.1", "port": port, "username": "okno"}
    return AccountView(
        "telephony", "pbx", config | {"recordings_dir": "/srv/monitor"}, {"ami_secret": secret}
    )


async def _raw_events(services: Services) -> int:
    async with services.db.session() as session:
        return int((await session.execute(select(func.count()).select_from(RawEvent))).scalar_one())


async def _run_until(services: Services, loop: AmiLoop, want: int, timeout: float) -> None:
    task = asyncio.create_task(loop.run(services.sink))
    try:
        async with asyncio.timeout(timeout):
            while await _raw_events(services) < want:  # noqa: ASYNC110 (polling the database)
                await asyncio.sleep(0.05)
    except TimeoutError:
        pass
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_replayed_call_becomes_one_call_message(
    services: Services, ami: tuple[ReplayingAmi, int]
) -> None:
    server_side, port = ami
    await _run_until(services, AmiLoop(_account(port, SECRET)), want=4, timeout=10)
    assert server_side.logins == ["okno"]
    assert await _raw_events(services) == 4  # the corpus streams hold no client call; the fixture holds one
    assert services.inline is not None
    await services.inline.drain()
    async with services.db.session() as session:
        messages = (await session.execute(select(Message))).scalars().all()
        assert [m.message_key for m in messages] == ["1732443300.17"]
        call = (
            (await session.execute(select(Call).where(col(Call.message_id) == messages[0].id)))
            .scalars()
            .one()
        )
    assert (call.direction, call.from_number, call.operator_extension) == ("inbound", "79161234567", "201")
    assert call.answered_at is not None and call.ended_at is not None and not call.missed
    assert call.recording_ref == "file:/srv/monitor/20241124-101500-1732443300.17.wav"


async def test_refused_login_stores_nothing(services: Services, ami: tuple[ReplayingAmi, int]) -> None:
    server_side, port = ami
    await _run_until(services, AmiLoop(_account(port, "wrong")), want=1, timeout=1.5)
    assert server_side.logins and await _raw_events(services) == 0
