"""Client tags: a tag is one however it is spelled or spaced («УСН», « усн »), shown as the company first
wrote it, counted per client, audited both ways; a merged person reaches the tags of the survivor's clients,
and a client who was only the person forgotten on request loses theirs."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from storage.db import Database
from storage.models import AuditLog, Staff
from storage.repos.accounts import add_staff
from storage.repos.client_tags import (
    TagCount,
    TagError,
    add_tag,
    clients_with,
    contacts_with,
    key_of,
    label_of,
    normalize,
    remove_tag,
    tag_counts,
    tags_of,
)
from storage.repos.clients import add_client, add_contact, link_contact_to_client, merge_contacts, undo_merge
from storage.repos.forget import forget_person
from storage.repos.privacy import find_person

pytestmark = pytest.mark.storage


def test_a_tag_is_trimmed_its_spaces_collapsed_and_compared_without_case() -> None:
    assert normalize("  УСН ") == "УСН"
    assert normalize("дилер \t\n опт") == "дилер опт"
    assert key_of(" Дилер  ОПТ") == key_of("дилер опт") == "дилер опт"
    assert key_of("VIP") == key_of("vip") and key_of("УСН") == key_of("усн")
    assert normalize("я" * 40) == "я" * 40
    for raw, reason in (("", "empty"), (" \t ", "empty"), ("я" * 41, "too_long"), ("a\x00b", "bad_chars")):
        with pytest.raises(TagError) as caught:
            normalize(raw)
        assert caught.value.reason == reason


async def _staff(db: Database) -> Staff:
    async with db.session() as session:
        staff = await add_staff(session, name="Виктор", role="supervisor")
        await session.commit()
        return staff


async def _client(db: Database, name: str, *people: str) -> tuple[int, list[int]]:
    """A client with its people (contacts by name): the client's id and theirs."""
    async with db.session() as session:
        client = await add_client(session, name=name, inn=None)
        ids = []
        for person in people:
            contact = await add_contact(session, display_name=person, phone=None, email=None)
            await link_contact_to_client(session, contact_id=contact.id or 0, client_id=client.id or 0)
            ids.append(contact.id or 0)
        await session.commit()
        return client.id or 0, ids


async def test_one_tag_per_client_in_the_companys_spelling_counted_and_audited(db: Database) -> None:
    viktor = await _staff(db)
    romashka, _ = await _client(db, "ООО «Ромашка»")
    sidorov, _ = await _client(db, "ИП Сидоров")
    async with db.session() as session:
        first = await add_tag(session, client_id=romashka, tag=" УСН ", staff_id=viktor.id)
        again = await add_tag(session, client_id=romashka, tag="усн", staff_id=viktor.id)
        other = await add_tag(session, client_id=sidorov, tag="усн", staff_id=viktor.id)
        await add_tag(session, client_id=sidorov, tag="ИП", staff_id=viktor.id)
        await add_tag(session, client_id=romashka, tag="VIP", staff_id=None)
        await session.commit()
    assert first is not None and (first.key, first.tag) == ("усн", "УСН")
    assert again is None  # the client has it already
    assert other is not None and other.tag == "УСН"  # shown as the company first spelled it
    async with db.session() as session:
        assert [t.tag for t in await tags_of(session, client_id=romashka)] == ["VIP", "УСН"]
        assert await tag_counts(session) == [
            TagCount("vip", "VIP", 1),
            TagCount("ип", "ИП", 1),
            TagCount("усн", "УСН", 2),
        ]
        assert await clients_with(session, key="усн") == [romashka, sidorov]
        assert await label_of(session, key="усн") == "УСН" and await label_of(session, key="опт") is None
        assert await remove_tag(session, client_id=romashka, tag="Усн", staff_id=viktor.id) is True
        assert await remove_tag(session, client_id=romashka, tag="усн", staff_id=viktor.id) is False
        await session.commit()
    async with db.session() as session:
        assert await clients_with(session, key="усн") == [sidorov]
        rows = (
            await session.execute(
                select(AuditLog).where(col(AuditLog.entity) == "client").order_by(col(AuditLog.id))
            )
        ).scalars()
        audited = [(a.action, a.actor_kind, a.actor_id, a.entity_id, a.details) for a in rows]
    assert audited == [
        ("client.tag", "staff", viktor.id, romashka, {"tag": "УСН"}),
        ("client.tag", "staff", viktor.id, sidorov, {"tag": "УСН"}),
        ("client.tag", "staff", viktor.id, sidorov, {"tag": "ИП"}),
        ("client.tag", "system", None, romashka, {"tag": "VIP"}),
        ("client.untag", "staff", viktor.id, romashka, {"tag": "УСН"}),
    ]


async def test_a_merged_person_reaches_the_tags_of_the_survivors_clients(db: Database) -> None:
    """Tags are the client's: a merge moves the person, and the client link the survivor gains carries the
    tag to them (a broadcast to «VIP» finds them); un-merged, it goes back."""
    client, [olga] = await _client(db, "ООО «Ромашка»", "Ольга")
    async with db.session() as session:
        survivor = await add_contact(session, display_name="Ольга (почта)", phone=None, email="o@r.ru")
        await add_tag(session, client_id=client, tag="VIP", staff_id=None)
        merge = await merge_contacts(session, survivor_id=survivor.id or 0, merged_id=olga, reason="test")
        await session.commit()
    async with db.session() as session:
        assert await contacts_with(session, key="vip") == {olga, survivor.id}
        await undo_merge(session, merge_id=merge.id or 0, staff_id=None)
        await session.commit()
    async with db.session() as session:
        assert await contacts_with(session, key="vip") == {olga}


async def test_forgetting_a_client_who_was_one_person_drops_their_tags(db: Database) -> None:
    sidorov, [ivan] = await _client(db, "ИП Сидоров", "Иван Сидоров")
    romashka, [olga, _petr] = await _client(db, "ООО «Ромашка»", "Ольга", "Пётр")
    async with db.session() as session:
        for client_id in (sidorov, romashka):
            await add_tag(session, client_id=client_id, tag="должник", staff_id=None)
        await add_tag(session, client_id=sidorov, tag="ИП", staff_id=None)
        await session.commit()
    async with db.session() as session:
        forgotten = await forget_person(session, await find_person(session, who=str(ivan)))
        kept = await forget_person(session, await find_person(session, who=str(olga)))
        await session.commit()
    assert forgotten.counts["client_tags"] == 2 and kept.counts["client_tags"] == 0
    async with db.session() as session:
        assert await tags_of(session, client_id=sidorov) == []
        assert [t.tag for t in await tags_of(session, client_id=romashka)] == ["должник"]  # Пётр remains
        details = (
            await session.execute(
                select(AuditLog.entity_id, AuditLog.details)
                .where(col(AuditLog.action) == "client.tag")
                .order_by(col(AuditLog.id))
            )
        ).all()
    assert [tuple(d) for d in details] == [
        (sidorov, {"redacted": "privacy_forget"}),
        (romashka, {"tag": "должник"}),
        (sidorov, {"redacted": "privacy_forget"}),
    ]
