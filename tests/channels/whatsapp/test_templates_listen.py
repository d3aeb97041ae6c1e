"""`okno listen` reads the templates again once a day for every WhatsApp number with a waba_id: one number's
refusal (a wrong id) is logged and the others are synced; a number without a waba_id is left alone, and
without any such number there is no loop."""

from __future__ import annotations

import pytest

from channels.whatsapp.templates import SYNCED, synced
from okno.services import Services
from sandbox.whatsapp import GraphApiStandIn
from storage.models import ChannelAccount
from storage.repos.accounts import add_channel_account
from tests.channels.whatsapp.conftest import account_of
from tests.channels.whatsapp.template_list import TEMPLATE_LIST
from workers.listeners import PeriodicSweep
from workers.whatsapp_listen import EVERY_S, whatsapp_loops

pytestmark = pytest.mark.storage


async def _add(services: Services, graph: GraphApiStandIn, name: str, **config: str) -> int:
    view = account_of(graph)
    async with services.db.session() as session:
        row = await add_channel_account(
            session, box=services.box, channel="whatsapp", name=name, config={**view.config, **config},
            secrets=dict(view.secrets),
        )  # fmt: skip
        await session.commit()
        return row.id or 0


async def test_the_templates_are_read_again_each_day(services: Services, graph: GraphApiStandIn) -> None:
    graph.template_list = TEMPLATE_LIST
    await _add(services, graph, "plain")
    assert await whatsapp_loops(services.jobs, services.box) == []  # no number names its business account
    real = await _add(services, graph, "real", waba_id=graph.waba_id)
    wrong = await _add(services, graph, "wrong", waba_id="42")
    [loop] = await whatsapp_loops(services.jobs, services.box)
    assert isinstance(loop, PeriodicSweep) and loop.name == "whatsapp-templates" and loop.every_s == EVERY_S
    assert await loop.sweep({}) == 1  # the wrong id is refused; the real one is read
    async with services.db.session() as session:
        read, refused = await session.get(ChannelAccount, real), await session.get(ChannelAccount, wrong)
    assert read is not None and refused is not None
    found = synced(read.config)
    assert found is not None and len(found.usable) == 3 and SYNCED not in refused.config
