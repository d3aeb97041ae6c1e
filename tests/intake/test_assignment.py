"""Who gets a new request: the client's responsible manager, else round-robin among managers on duty (when the
company turned it on), else nobody (the shared queue). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import col, select

from intake.accept import accept
from intake.policy import IntakePolicy
from storage.db import Database
from storage.models import AuditLog, ChannelAccount, Request, Staff
from storage.repos.accounts import add_staff
from storage.repos.clients import add_client
from storage.repos.company_settings import AssignmentSettings, save_assignment_settings
from tests.factories import NOW, inbound

pytestmark = pytest.mark.storage
POLICY = IntakePolicy(request_window=timedelta(hours=72))
INN = "7736207543"  # valid checksum


async def staff(db: Database, *names: str, role: str = "manager") -> list[int]:
    async with db.session() as session:
        made = [await add_staff(session, name=n, role=role) for n in names]
        await session.commit()
        return [s.id or 0 for s in made]


async def round_robin(db: Database, on: bool = True) -> None:
    async with db.session() as session:
        await save_assignment_settings(session, AssignmentSettings(round_robin=on), staff_id=None)
        await session.commit()


async def assignees(db: Database) -> list[int | None]:
    async with db.session() as session:
        rows = (await session.execute(select(Request).order_by(col(Request.id)))).scalars().all()
        return [r.assignee_id for r in rows]


async def test_without_round_robin_a_new_request_waits_in_the_shared_queue(db: Database) -> None:
    await staff(db, "Анна")
    await accept(db, inbound("e1", sender="u1"), policy=POLICY)
    assert await assignees(db) == [None]


async def test_round_robin_takes_turns_and_skips_who_is_off_duty(db: Database) -> None:
    anna, boris, vera = await staff(db, "Анна", "Борис", "Вера")
    await staff(db, "Виктор", role="supervisor")  # supervisors are never in the rotation
    await round_robin(db)
    async with db.session() as session:
        off = await session.get(Staff, vera)
        assert off is not None
        off.on_duty = False
        await session.commit()
    for n in range(5):
        await accept(db, inbound(f"e{n}", sender=f"u{n}", sent_at=NOW + timedelta(minutes=n)), policy=POLICY)
    assert await assignees(db) == [anna, boris, anna, boris, anna]
    async with db.session() as session:
        reasons = (
            (await session.execute(select(AuditLog).where(col(AuditLog.action) == "request.assign")))
            .scalars()
            .all()
        )
        assert [a.details["reason"] for a in reasons] == ["round_robin"] * 5


async def test_the_rotation_resumes_after_the_last_pick_when_someone_leaves(db: Database) -> None:
    anna, boris, vera = await staff(db, "Анна", "Борис", "Вера")
    await round_robin(db)
    await accept(db, inbound("e0", sender="u0"), policy=POLICY)
    await accept(db, inbound("e1", sender="u1", sent_at=NOW + timedelta(minutes=1)), policy=POLICY)
    async with db.session() as session:
        gone = await session.get(Staff, vera)
        assert gone is not None
        gone.active = False  # Вера left: the turn after Борис wraps round to Анна
        await session.commit()
    await accept(db, inbound("e2", sender="u2", sent_at=NOW + timedelta(minutes=2)), policy=POLICY)
    await accept(db, inbound("e3", sender="u3", sent_at=NOW + timedelta(minutes=3)), policy=POLICY)
    assert await assignees(db) == [anna, boris, anna, boris]


async def test_the_clients_responsible_manager_gets_the_request(db: Database) -> None:
    anna, boris = await staff(db, "Анна", "Борис")
    await round_robin(db)
    async with db.session() as session:
        client = await add_client(session, name="ООО «Ромашка»", inn=INN)
        client.responsible_staff_id = boris
        await session.commit()
    # The INN in the first message names the client, so the request goes to its manager, not to the rotation.
    await accept(db, inbound("e1", sender="u1", text=f"Счёт для ИНН {INN}"), policy=POLICY)
    await accept(
        db,
        inbound("e2", sender="u2", text=f"Акт, ИНН {INN}", sent_at=NOW + timedelta(minutes=1)),
        policy=POLICY,
    )
    assert await assignees(db) == [boris, boris]
    async with db.session() as session:
        on_leave = await session.get(Staff, boris)
        assert on_leave is not None
        on_leave.on_duty = False
        await session.commit()
    await accept(
        db, inbound("e3", sender="u3", text=f"ИНН {INN}", sent_at=NOW + timedelta(minutes=2)), policy=POLICY
    )
    assert (await assignees(db))[-1] == anna  # on leave: the rotation covers


async def test_concurrent_new_requests_are_spread_evenly(db: Database) -> None:
    managers = await staff(db, "Анна", "Борис", "Вера")
    await round_robin(db)
    await asyncio.gather(*(accept(db, inbound(f"c{n}", sender=f"c{n}"), policy=POLICY) for n in range(9)))
    counts = Counter(await assignees(db))
    assert counts == dict.fromkeys(managers, 3)  # each decision saw the one before it


async def test_a_line_answered_by_a_group_rotates_among_that_group_and_keeps_the_group(db: Database) -> None:
    """Павлов's group (Иван, Анна) answers the "sales-a" line; Борис, in no group, only the other line."""
    ivan, anna, boris = await staff(db, "Иван", "Анна", "Борис")
    [pavlov] = await staff(db, "Павлов", role="supervisor")
    async with db.session() as session:
        for member in (ivan, anna):
            person = await session.get(Staff, member)
            assert person is not None
            person.head_id = pavlov
        session.add(ChannelAccount(channel="api", name="sales-a", group_head_id=pavlov))
        await session.commit()
    await round_robin(db)
    for n, account in enumerate(("sales-a", "sales-a", "site", "sales-a", "site")):
        at = NOW + timedelta(minutes=n)
        await accept(db, inbound(f"e{n}", sender=f"u{n}", account=account, sent_at=at), policy=POLICY)
    picked = await assignees(db)
    assert [picked[0], picked[1], picked[3]] == [ivan, anna, ivan]  # the group's own turn, not the company's
    assert picked[2] in (ivan, anna, boris) and picked[4] in (ivan, anna, boris)
    async with db.session() as session:
        rows = (await session.execute(select(Request).order_by(col(Request.id)))).scalars().all()
    assert [r.group_head_id for r in rows] == [pavlov, pavlov, None, pavlov, None]


async def test_a_groups_line_with_nobody_on_duty_waits_for_the_group(db: Database) -> None:
    await staff(db, "Борис")  # on duty, but in no group
    [pavlov] = await staff(db, "Павлов", role="supervisor")
    async with db.session() as session:
        session.add(ChannelAccount(channel="api", name="sales-a", group_head_id=pavlov))
        await session.commit()
    await round_robin(db)
    await accept(db, inbound("e1", account="sales-a"), policy=POLICY)
    assert await assignees(db) == [None]  # the group's queue (its head is told), not another group's manager
