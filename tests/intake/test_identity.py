"""Identity resolution: channel id -> E.164 phone -> email; merges proven by later events, and undone."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from intake.accept import accept
from intake.identity import normalize_email, normalize_phone
from intake.policy import IntakePolicy
from storage.db import Database
from storage.models import AuditLog, ChannelIdentity, Contact, ContactMerge
from storage.repos.blocking import block_contact
from storage.repos.clients import contact_group, undo_merge
from tests.factories import NOW, inbound

POLICY = IntakePolicy()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+7 (916) 123-45-67", "+79161234567"),
        ("8 916 123 45 67", "+79161234567"),
        ("79161234567", "+79161234567"),  # WhatsApp wa_id: no plus
        ("89161234567", "+79161234567"),  # domestic trunk prefix, digits only
        ("442079460958", "+442079460958"),  # an international wa_id
        ("9161234567", "+79161234567"),  # a Russian mobile without the trunk prefix
        ("+44 20 7946 0958", "+442079460958"),
        ("12", None),
        ("не телефон", None),
        (None, None),
    ],
)
def test_phone_normalization(raw: str | None, expected: str | None) -> None:
    assert normalize_phone(raw, "RU") == expected


def test_email_normalization() -> None:
    assert normalize_email("  D.Orlov@Vektor.Example ") == "d.orlov@vektor.example"
    assert normalize_email("no-at-sign") is None


async def contacts(db: Database) -> list[Contact]:
    async with db.session() as session:
        return list((await session.execute(select(Contact).order_by(col(Contact.id)))).scalars().all())


@pytest.mark.storage
async def test_same_phone_on_two_channels_is_one_contact(db: Database) -> None:
    await accept(
        db,
        inbound("w1", channel="whatsapp", account="main", sender="79161234567", phone="79161234567"),
        policy=POLICY,
    )
    await accept(
        db,
        inbound("t1", channel="telegram", account="bot", sender="555", phone="+7 916 123-45-67"),
        policy=POLICY,
    )
    assert len(await contacts(db)) == 1


@pytest.mark.storage
async def test_email_match_is_case_insensitive(db: Database) -> None:
    await accept(db, inbound("a1", sender="x", email="Olga@Stroy.example"), policy=POLICY)
    await accept(
        db,
        inbound(
            "e1", channel="email", account="box", sender="olga@stroy.example", email="olga@stroy.example"
        ),
        policy=POLICY,
    )
    assert len(await contacts(db)) == 1


@pytest.mark.storage
async def test_contact_share_merges_and_a_manager_can_undo(db: Database) -> None:
    # WhatsApp knows the phone; Telegram first writes without one, then shares the contact.
    await accept(
        db,
        inbound(
            "w1", channel="whatsapp", account="main", sender="79161234567", phone="79161234567", name="Ирина"
        ),
        policy=POLICY,
    )
    await accept(
        db, inbound("t1", channel="telegram", account="bot", sender="555", name="Irina S."), policy=POLICY
    )
    assert len(await contacts(db)) == 2
    await accept(
        db,
        inbound("t2", channel="telegram", account="bot", sender="555", phone="+79161234567"),
        policy=POLICY,
    )
    live = [c for c in await contacts(db) if c.merged_into_id is None]
    assert len(live) == 1
    survivor = live[0]
    async with db.session() as session:
        identities = (await session.execute(select(ChannelIdentity))).scalars().all()
        assert {i.contact_id for i in identities} == {survivor.id}
        merge = (await session.execute(select(ContactMerge))).scalars().one()
        assert merge.reason == "same phone" and "telegram:bot 555" in (merge.evidence or "")
        assert len(await contact_group(session, contact_id=survivor.id or 0)) == 2
        await undo_merge(session, merge_id=merge.id or 0, staff_id=None)
        await session.commit()
    live = [c for c in await contacts(db) if c.merged_into_id is None]
    assert len(live) == 2
    async with db.session() as session:
        owners = {
            i.external_id: i.contact_id for i in (await session.execute(select(ChannelIdentity))).scalars()
        }
        actions = [a.action for a in (await session.execute(select(AuditLog))).scalars()]
    assert owners["555"] != owners["79161234567"]
    assert "contact.merge" in actions and "contact.unmerge" in actions


@pytest.mark.storage
async def test_inn_links_contacts_of_one_company(db: Database) -> None:
    await accept(
        db, inbound("a1", sender="ivan", text="ООО «Ромашка», ИНН 7707083893, нужен счёт"), policy=POLICY
    )
    await accept(db, inbound("a2", sender="olga", text="Мы из ООО «Ромашка» (ИНН 7707083893)"), policy=POLICY)
    from storage.models import Client, ClientContact

    async with db.session() as session:
        clients = (await session.execute(select(Client))).scalars().all()
        links = (await session.execute(select(ClientContact))).scalars().all()
    assert [(c.name, c.inn) for c in clients] == [("ООО «Ромашка»", "7707083893")]
    assert len(links) == 2


@pytest.mark.storage
async def test_a_blocked_spammer_found_again_under_another_identity_stays_blocked(db: Database) -> None:
    """Blocked on Telegram, the same person's WhatsApp number merges in: the person stays blocked, whichever
    contact survives; undoing the merge gives the WhatsApp contact back unblocked."""
    await accept(db, inbound("w1", channel="whatsapp", account="main", sender="79161234567",
                             phone="79161234567", text="Здравствуйте"), policy=POLICY)  # fmt: skip
    spam = await accept(db, inbound("t1", channel="telegram", account="bot", sender="555",
                                    text="Реклама"), policy=POLICY)  # fmt: skip
    telegram_contact = (await contacts(db))[1].id or 0
    async with db.session() as session:
        await block_contact(session, contact_id=telegram_contact, staff_id=None, at=NOW)
        await session.commit()
    assert spam.request_id is not None
    shared = await accept(db, inbound("t2", channel="telegram", account="bot", sender="555",
                                      phone="+79161234567", text="Реклама снова"), policy=POLICY)  # fmt: skip
    [survivor] = [c for c in await contacts(db) if c.merged_into_id is None]
    assert survivor.blocked_at is not None and shared.request_id is None
    async with db.session() as session:
        merge = (await session.execute(select(ContactMerge))).scalars().one()
        await undo_merge(session, merge_id=merge.id or 0, staff_id=None)
        await session.commit()
    by_id = {c.id: c for c in await contacts(db)}
    assert by_id[telegram_contact].blocked_at is not None
    assert [c.blocked_at for c in by_id.values() if c.id != telegram_contact] == [None]
