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


def test_invite_prints_a_code_once_and_stores_only_its_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKNO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("OKNO_DATABASE_URL", raising=False)
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'okno.db'}"

    async def migrate() -> None:
        db = Database(db_url)
        await upgrade(db)
        await db.dispose()

    asyncio.run(migrate())
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
