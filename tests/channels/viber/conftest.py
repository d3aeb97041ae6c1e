"""Viber fixtures: the loopback REST API stand-in, and okno running with a viber ChannelAccount."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
import pytest

from channels.base import AccountView
from channels.viber.send import ViberSender
from okno.app import build_app
from okno.services import Services
from sandbox.viber import ViberApiStandIn
from storage.blob_links import BlobLinks
from storage.repos.accounts import add_channel_account, add_staff
from tests.conftest import start_app
from workers.viber import StoredReachable

ACCOUNT = "main"
SENDER_NAME = "ООО Ромашка"


@pytest.fixture
async def viber() -> AsyncIterator[ViberApiStandIn]:
    stand_in = ViberApiStandIn(auth_token=secrets.token_hex(24))
    runner, url = await start_app(stand_in.app())
    stand_in.base_url = url
    yield stand_in
    await runner.cleanup()


def account_of(viber: ViberApiStandIn, **config: str) -> AccountView:
    return AccountView(
        channel="viber",
        name=ACCOUNT,
        config={"sender_name": SENDER_NAME, "api_url": f"{viber.base_url}/pa", **config},
        secrets={"auth_token": viber.auth_token},
    )


@dataclass
class VbLive:
    """okno on loopback with a viber account pointing at the stand-in, and a manager."""

    services: Services
    url: str
    viber: ViberApiStandIn
    staff_id: int
    http: aiohttp.ClientSession

    async def drain(self) -> None:
        assert self.services.inline is not None
        await self.services.inline.drain()


async def add_account(services: Services, view: AccountView) -> None:
    async with services.db.session() as session:
        await add_channel_account(
            session,
            box=services.box,
            channel="viber",
            name=view.name,
            config=dict(view.config),
            secrets=dict(view.secrets),
        )
        await session.commit()
    await services.accounts.refresh()


@pytest.fixture
async def vb_live(services: Services, viber: ViberApiStandIn) -> AsyncIterator[VbLive]:
    async with _live(services, viber, public=False) as live:
        yield live


@pytest.fixture
async def vb_public(services: Services, viber: ViberApiStandIn) -> AsyncIterator[VbLive]:
    """As vb_live, with okno's public address set (OKNO_HTTP__PUBLIC_URL): its files go by signed links."""
    async with _live(services, viber, public=True) as live:
        yield live


@asynccontextmanager
async def _live(services: Services, viber: ViberApiStandIn, *, public: bool) -> AsyncIterator[VbLive]:
    await add_account(services, account_of(viber, welcome_text="Здравствуйте! Напишите ваш вопрос."))
    async with services.db.session() as session:
        staff = await add_staff(session, name="Анна", role="manager", api_token=secrets.token_urlsafe(16))
        await session.commit()
    if public:  # the address is known once the server listens: the links' base is set then
        services.jobs.links = BlobLinks(secrets.token_bytes(32), "http://okno.invalid")
    runner, url = await start_app(build_app(services, sweep=False))
    if services.jobs.links is not None:
        services.jobs.links.base_url = url
    viber.webhook_url = f"{url}/viber/{ACCOUNT}/webhook"
    async with aiohttp.ClientSession() as http:
        # The composition root's sender, with a short backoff so a retried send does not wait seconds.
        links = services.jobs.links.url if services.jobs.links is not None else None
        sender = ViberSender(reachable=StoredReachable(services.db), links=links, backoff_s=0.01)
        services.jobs.senders = {**services.jobs.senders, "viber": sender}
        yield VbLive(services, url, viber, staff.id or 0, http)
        await sender.close()
    await runner.cleanup()
