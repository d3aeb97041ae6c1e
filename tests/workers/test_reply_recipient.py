"""A reply goes to the address the client wrote from, also after a merge moved that address onto another
contact (the same person found under their Telegram account): the mail had no recipient and failed."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from intake.accept import accept
from intake.policy import IntakePolicy
from storage.db import Database
from storage.models import ChannelIdentity, Outbox
from storage.repos.accounts import add_staff
from storage.repos.clients import add_identity, merge_contacts
from tests.factories import inbound
from workers.outbound import queue_reply
from workers.queue import InlineQueue

pytestmark = pytest.mark.storage
POLICY = IntakePolicy()


async def test_a_reply_after_a_merge_goes_to_the_address_the_client_wrote_from(db: Database) -> None:
    await accept(
        db, inbound("t1", channel="telegram", account="clients", sender="501", name="Ольга"), policy=POLICY
    )
    address = "olga@romashka.ru"
    mail = inbound(
        "<m1@x>", channel="email", account="box", sender=address, email=address, text="Пришлите акт сверки"
    )
    requested = await accept(db, mail, policy=POLICY)
    async with db.session() as session:
        ids = dict(
            (await session.execute(select(ChannelIdentity.external_id, ChannelIdentity.contact_id))).all()
        )
        # the survivor has a second address of its own on the same mailbox: the reply must not pick it
        await add_identity(
            session,
            identity=ChannelIdentity(
                channel="email", account="box", external_id="o.smirnova@gmail.com", contact_id=ids["501"]
            ),
        )
        await merge_contacts(session, survivor_id=ids["501"], merged_id=ids[address], reason="same")
        staff = await add_staff(session, name="Анна", role="manager")
        await session.commit()
    await queue_reply(
        db,
        InlineQueue({}, ctx={}),
        request_id=requested.request_id or 0,
        staff_id=staff.id or 0,
        text="Высылаю",
    )
    async with db.session() as session:
        [row] = (await session.execute(select(Outbox).where(col(Outbox.channel) == "email"))).scalars().all()
    assert row.payload["recipient_id"] == address
