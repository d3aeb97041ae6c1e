"""`okno staff invite`: prints a one-time code once; only its sha256 is stored."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from okno.cli import main
from storage.db import Database
from storage.migrate import upgrade
from storage.models import StaffInvite


def _migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh install's database, as `okno migrate` leaves it; its URL."""
    monkeypatch.setenv("OKNO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("OKNO_DATABASE_URL", raising=False)
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'okno.db'}"

    async def migrate() -> None:
        db = Database(db_url)
        await upgrade(db)
        await db.dispose()

    asyncio.run(migrate())
    return db_url


def test_invite_prints_a_code_once_and_stores_only_its_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_url = _migrated(tmp_path, monkeypatch)
    result = CliRunner().invoke(main, ["staff", "invite", "--role", "supervisor", "--name", "Пётр"])
    assert result.exit_code == 0, result.output
    code = re.search(r"code: (\S+)", result.output)
    assert code is not None and "/start" in result.output

    async def stored() -> StaffInvite:
        db = Database(db_url)
        async with db.session() as session:
            invite = (await session.execute(select(StaffInvite))).scalars().one()
        await db.dispose()
        return invite

    invite = asyncio.run(stored())
    assert invite.role == "supervisor" and invite.name == "Пётр"
    assert invite.code_sha256 == hashlib.sha256(code.group(1).encode()).hexdigest()
    bad = CliRunner().invoke(main, ["staff", "invite", "--role", "boss"])
    assert bad.exit_code != 0 and "boss" in bad.output


def test_invite_for_an_existing_member_by_email_or_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--staff` names a member added for the web: the code connects their Telegram, with their role."""
    db_url = _migrated(tmp_path, monkeypatch)
    runner = CliRunner()
    added = runner.invoke(
        main, ["staff", "add", "Анна Петрова", "--role", "supervisor", "--email", "Anna@x.ru"]
    )
    assert added.exit_code == 0, added.output
    by_email = runner.invoke(main, ["staff", "invite", "--staff", "anna@x.ru"])
    assert by_email.exit_code == 0, by_email.output
    assert "invite for Анна Петрова (supervisor)" in by_email.output and "/start" in by_email.output
    by_id = runner.invoke(main, ["staff", "invite", "--staff", "1"])
    assert by_id.exit_code == 0 and "Анна Петрова" in by_id.output
    missing = runner.invoke(main, ["staff", "invite", "--staff", "nobody@x.ru"])
    assert missing.exit_code != 0 and "no active staff member 'nobody@x.ru'" in missing.output

    async def stored() -> list[StaffInvite]:
        db = Database(db_url)
        async with db.session() as session:
            invites = list((await session.execute(select(StaffInvite))).scalars().all())
        await db.dispose()
        return invites

    assert [(i.staff_id, i.role, i.name) for i in asyncio.run(stored())] == [
        (1, "supervisor", "Анна Петрова")
    ] * 2
