"""`okno staff add … --password` prompts (hidden, confirmed) and stores an argon2 hash sign-in accepts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import col, select

from okno.cli import main
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Staff
from web.passwords import verify_password

pytestmark = pytest.mark.storage


def test_staff_add_with_password_stores_an_argon2_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/o.db"
    monkeypatch.setenv("OKNO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OKNO_DATABASE_URL", url)
    monkeypatch.delenv("OKNO_SECRET_KEY", raising=False)

    async def staff_row() -> Staff:
        db = Database(url)
        try:
            await upgrade(db)
            async with db.session() as session:
                query = select(Staff).where(col(Staff.name) == "Мария")
                found = (await session.execute(query)).scalars().first()
                return found if found is not None else Staff(name="")
        finally:
            await db.dispose()

    asyncio.run(staff_row())  # migrate
    result = CliRunner().invoke(
        main,
        ["staff", "add", "Мария", "--email", "maria@example.ru", "--password"],
        input="s3cret-pass\n" * 2,
    )
    assert result.exit_code == 0, result.output
    assert "s3cret-pass" not in result.output  # hidden input is not echoed
    staff = asyncio.run(staff_row())
    assert staff.password_hash is not None and staff.password_hash.startswith("$argon2id$")
    assert verify_password(staff.password_hash, "s3cret-pass") and not verify_password(
        staff.password_hash, "x"
    )
    mismatch = CliRunner().invoke(
        main,
        ["staff", "add", "Пётр", "--password"],
        input="one-password\nanother-one\none-password\none-password\n",
    )
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output.lower()
