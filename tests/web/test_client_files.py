"""«Файлы клиента»: every file a client sent or was sent, in any channel, newest first, on the card and on a
page of its own, found by part of its name (Cyrillic in any case) and by month; a manager does not see the
files of a request they may not open, and another client's files are not there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from storage.models import Attachment, Message, Request
from storage.repos.clients import link_contact_to_client
from tests.web.conftest import Seeded, SignIn

pytestmark = pytest.mark.storage


async def _attach(
    seeded: Seeded, request_id: int, filename: str, at: datetime, *, kind: str = "document"
) -> int:
    live = seeded.live
    blob = await live.services.jobs.blobs.put(f"%PDF-1.4 {filename}".encode())
    async with live.services.db.session() as session:
        query = select(Message).where(col(Message.request_id) == request_id).order_by(col(Message.id))
        message = (await session.execute(query)).scalars().first()
        assert message is not None
        message.sent_at = at
        attachment = Attachment(
            message_id=message.id or 0, position=1, kind=kind, filename=filename, mime="application/pdf",
            size=2048, blob_sha256=blob,
        )  # fmt: skip
        session.add(attachment)
        await session.commit()
        return attachment.id or 0


async def test_the_clients_files_on_its_card_and_page(seeded: Seeded, sign_in: SignIn) -> None:
    act = await _attach(
        seeded, seeded.own_request_id, "Акт сверки за октябрь.pdf", datetime(2026, 10, 20, 9, tzinfo=UTC)
    )
    await _attach(
        seeded, seeded.unassigned_request_id, "Выписка банка.pdf", datetime(2026, 11, 3, 9, tzinfo=UTC)
    )
    await _attach(
        seeded, seeded.unassigned_request_id, "стикер", datetime(2026, 11, 3, 9, tzinfo=UTC), kind="sticker"
    )
    # Ирина's request is Борис's: she joins Ромашка, and Анна (a manager) does not see her file
    hidden = await _attach(
        seeded, seeded.others_request_id, "Договор Ирины.pdf", datetime(2026, 11, 5, tzinfo=UTC)
    )
    async with seeded.live.services.db.session() as session:
        others = await session.get(Request, seeded.others_request_id)
        assert others is not None
        await link_contact_to_client(session, contact_id=others.contact_id, client_id=seeded.client_id)
        await session.commit()
    viktor = await sign_in("viktor@example.ru")
    status, card = await viktor.get(f"/ui/clients/{seeded.client_id}")
    assert status == 200 and 'id="client-files"' in card
    section = card.split('id="client-files"', 1)[1]
    assert f'href="/ui/files/{act}"' in section and f"/ui/clients/{seeded.client_id}/files" in section
    _, page = await viktor.get(f"/ui/clients/{seeded.client_id}/files")
    listed = page.split('id="files"', 1)[1]
    # letter.html is on the same message as the statement, before it
    names = ["Договор Ирины.pdf", "letter.html", "Выписка банка.pdf", "Акт сверки за октябрь.pdf"]
    assert [listed.index(n) for n in names] == sorted(listed.index(n) for n in names)  # newest first
    assert "стикер" not in listed and "от клиента" in listed
    assert f'href="/ui/requests/{seeded.own_request_id}#m' in listed
    # by part of the name, in any case (SQLite's lower() knows only ASCII), and by month
    _, found = await viktor.get(f"/ui/clients/{seeded.client_id}/files?name=акт")
    found_list = found.split('id="files"', 1)[1]
    assert "Акт сверки за октябрь.pdf" in found_list and "Выписка" not in found_list
    _, november = await viktor.get(f"/ui/clients/{seeded.client_id}/files?month=2026-11")
    listed = november.split('id="files"', 1)[1]
    assert "Выписка банка.pdf" in listed and "Акт сверки" not in listed
    _, none = await viktor.get(f"/ui/clients/{seeded.client_id}/files?name=счёт")
    assert 'id="files"' not in none and "Файлов нет." in none
    status, _ = await viktor.get(f"/ui/files/{act}")
    assert status == 200
    anna = await sign_in("anna@example.ru")
    _, page = await anna.get(f"/ui/clients/{seeded.client_id}/files")
    assert "Акт сверки за октябрь.pdf" in page and "Договор Ирины.pdf" not in page
    assert (await anna.get(f"/ui/files/{hidden}"))[0] == 404  # as its own link answers her
    assert (await anna.get("/ui/clients/999999/files"))[0] == 404
