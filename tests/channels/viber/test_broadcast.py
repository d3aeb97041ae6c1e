"""A broadcast to Viber clients through the loopback REST API: the copy goes by send_message to the user,
filled in with their name; a client okno knows unsubscribed is passed by, with the reason on its row."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from intake.schema import AttachmentRef
from sandbox.viber import ViberApiStandIn
from storage.models import BroadcastRecipient, Staff
from storage.types import utcnow
from tests.channels.viber.conftest import VbLive
from workers.broadcasts import check_draft, send

pytestmark = pytest.mark.storage


async def test_a_broadcast_reaches_subscribed_viber_clients(vb_live: VbLive, viber: ViberApiStandIn) -> None:
    await viber.client_writes("01234567890A=", "Ирина Соколова", {"type": "text", "text": "Нужен акт сверки"})
    await viber.client_writes("01234567890B=", "Олег", {"type": "text", "text": "Счёт получили"})
    await viber.unsubscribe("01234567890B=")
    await vb_live.drain()
    async with vb_live.services.db.session() as session:
        sender = await session.get(Staff, vb_live.staff_id)
        assert sender is not None
    draft = check_draft(text="{имя}, офис закрыт 31 декабря.", channels=["viber"], since_days=3660)
    await send(vb_live.services.db, vb_live.services.queue, draft, key="k", sender=sender, now=utcnow())
    await vb_live.drain()
    [sent] = viber.sent
    assert (sent["receiver"], sent["type"], sent["text"]) == (
        "01234567890A=",
        "text",
        "Ирина Соколова, офис закрыт 31 декабря.",
    )
    async with vb_live.services.db.session() as session:
        rows = (
            await session.execute(select(BroadcastRecipient).order_by(col(BroadcastRecipient.skipped)))
        ).all()
    assert sorted(str(r.skipped) for (r,) in rows) == ["None", "unreachable"]


async def test_a_broadcasts_file_reaches_viber_by_its_public_link(
    vb_public: VbLive, viber: ViberApiStandIn
) -> None:
    await viber.client_writes("01234567890A=", "Ирина Соколова", {"type": "text", "text": "Нужен акт сверки"})
    await vb_public.drain()
    async with vb_public.services.db.session() as session:
        sender = await session.get(Staff, vb_public.staff_id)
        assert sender is not None
    pdf = b"%PDF-1.4 new bank details"
    ref = AttachmentRef(
        kind="document", filename="Реквизиты.pdf", mime="application/pdf", size=len(pdf),
        blob_key=await vb_public.services.jobs.blobs.put(pdf),
    )  # fmt: skip
    draft = check_draft(
        text="{имя}, с 1 января новые реквизиты.", channels=["viber"], since_days=3660, attachments=(ref,)
    )
    services = vb_public.services
    await send(services.db, services.queue, draft, key="k", sender=sender, now=utcnow(), viber_files=True)
    await vb_public.drain()
    text, document = viber.sent
    assert text["text"] == "Ирина Соколова, с 1 января новые реквизиты."
    assert (document["type"], document["file_name"]) == ("file", "Реквизиты.pdf")
    assert viber.fetched[document["media"]] == (200, pdf, "application/pdf")
