"""WhatsApp fixtures: the loopback Graph API stand-in, and okno running with a whatsapp ChannelAccount."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import pytest

from channels.base import AccountView
from channels.whatsapp.send import WhatsAppSender
from channels.whatsapp.window import CustomerWindow
from okno.app import build_app
from okno.services import Services
from sandbox.whatsapp import GraphApiStandIn
from storage.repos.accounts import add_channel_account, add_staff
from tests.conftest import start_app
from workers.whatsapp import StoredLastInbound

ACCOUNT = "main"
TEMPLATE = "okno_followup"
WA_ID = "79161234567"  # the client the sender tests write to


@pytest.fixture
async def graph() -> AsyncIterator[GraphApiStandIn]:
    stand_in = GraphApiStandIn(access_token=secrets.token_urlsafe(24), app_secret=secrets.token_hex(16))
    runner, url = await start_app(stand_in.app())
    stand_in.base_url = url
    yield stand_in
    await runner.cleanup()


@pytest.fixture
async def sender() -> AsyncIterator[WhatsAppSender]:
    """The sender alone, with a short backoff (no window view: the stand-in answers 131047 itself)."""
    built = WhatsAppSender(backoff_s=0.5)
    yield built
    await built.close()


@pytest.fixture
def open_window(graph: GraphApiStandIn) -> GraphApiStandIn:
    """The client wrote just now: free text may go."""
    graph.last_inbound[WA_ID] = datetime.now(UTC)
    return graph


def account_of(graph: GraphApiStandIn, verify_token: str = "vt") -> AccountView:  # noqa: S107
    return AccountView(
        channel="whatsapp",
        name=ACCOUNT,
        config={"phone_number_id": graph.phone_number_id, "graph_url": graph.base_url, "template": TEMPLATE},
        secrets={
            "access_token": graph.access_token,
            "app_secret": graph.app_secret,
            "verify_token": verify_token,
        },
    )


@dataclass
class WaLive:
    """okno on loopback with a whatsapp account pointing at the stand-in, a manager, and a settable clock."""

    services: Services
    url: str
    graph: GraphApiStandIn
    staff_id: int
    verify_token: str
    http: aiohttp.ClientSession
    now: datetime | None = None  # None: the real clock

    def clock(self) -> datetime:
        return self.now or datetime.now(UTC)

    async def drain(self) -> None:
        assert self.services.inline is not None
        await self.services.inline.drain()


@pytest.fixture
async def wa_live(services: Services, graph: GraphApiStandIn) -> AsyncIterator[WaLive]:
    verify_token = secrets.token_urlsafe(16)
    view = account_of(graph, verify_token)
    async with services.db.session() as session:
        await add_channel_account(
            session,
            box=services.box,
            channel="whatsapp",
            name=ACCOUNT,
            config=dict(view.config),
            secrets=dict(view.secrets),
        )
        staff = await add_staff(session, name="Анна", role="manager", api_token=secrets.token_urlsafe(16))
        await session.commit()
    runner, url = await start_app(build_app(services, sweep=False))
    graph.webhook_url = f"{url}/whatsapp/{ACCOUNT}/webhook"
    async with aiohttp.ClientSession() as http:
        live = WaLive(services, url, graph, staff.id or 0, verify_token, http)
        # The composition root builds senders without storage; here the window reads okno's own database.
        window = CustomerWindow(StoredLastInbound(services.db), clock=live.clock)
        sender = WhatsAppSender(window=window, blobs=services.jobs.blobs, backoff_s=0.01)
        services.jobs.senders = {**services.jobs.senders, "whatsapp": sender}
        yield live
        await sender.close()
    await runner.cleanup()
