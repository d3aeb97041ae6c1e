"""`okno staff import`: a division's staff list from an HR export (Excel's semicolons, Windows-1251, Russian
column names) with each member's head; a second import updates rather than doubles; a wrong line saves
nothing and says which line and why; `okno staff add --head` and `okno staff list` show the chart."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import select

from okno.cli import main
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Staff

HR_EXPORT = """ФИО;Роль;Почта;Добавочный;Руководитель
Елена Макарова;руководитель;makarova@zavod.ru;100;
Сергей Павлов;супервизор;pavlov@zavod.ru;101;Елена Макарова
Иван Соколов;менеджер;sokolov@zavod.ru;201;pavlov@zavod.ru
Иван Петров;;petrov@zavod.ru;202;Сергей Павлов
Анна Волкова;менеджер;;203;Елена Макарова
"""


@pytest.fixture
def okno(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CliRunner, Path]:
    monkeypatch.setenv("OKNO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OKNO_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'okno.db'}")

    async def migrate() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'okno.db'}")
        await upgrade(db)
        await db.dispose()

    asyncio.run(migrate())
    return CliRunner(), tmp_path


def _staff(tmp_path: Path) -> dict[str, Staff]:
    async def read() -> dict[str, Staff]:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'okno.db'}")
        async with db.session() as session:
            found = {s.name: s for s in (await session.execute(select(Staff))).scalars().all()}
        await db.dispose()
        return found

    return asyncio.run(read())


def _import(okno: tuple[CliRunner, Path], text: str, *args: str, encoding: str = "cp1251") -> Result:
    runner, tmp_path = okno
    path = tmp_path / "staff.csv"
    path.write_bytes(text.encode(encoding))
    return runner.invoke(main, ["staff", "import", str(path), *args])


def _last(result: Result) -> str:
    return result.output.strip().splitlines()[-1]


def test_an_hr_export_with_heads_is_imported_and_a_second_run_updates(okno: tuple[CliRunner, Path]) -> None:
    first = _import(okno, HR_EXPORT)
    assert first.exit_code == 0, first.output
    assert _last(first) == "5 added, 0 updated, 4 heads set"
    staff = _staff(okno[1])
    boss, pavlov = staff["Елена Макарова"], staff["Сергей Павлов"]
    assert (boss.role, boss.head_id, boss.extension) == ("supervisor", None, "100")
    assert (pavlov.role, pavlov.head_id) == ("supervisor", boss.id)
    assert staff["Иван Соколов"].head_id == pavlov.id and staff["Иван Петров"].head_id == pavlov.id
    assert staff["Иван Петров"].role == "manager" and staff["Анна Волкова"].head_id == boss.id
    moved = HR_EXPORT.replace(
        "Иван Петров;;petrov@zavod.ru;202;Сергей Павлов", "Иван Петров;;petrov@zavod.ru;202;makarova@zavod.ru"
    )
    again = _import(okno, moved, encoding="utf-8-sig")  # Excel's UTF-8 with its BOM
    assert again.exit_code == 0 and _last(again) == "0 added, 5 updated, 4 heads set"
    after = _staff(okno[1])
    assert len(after) == 5 and after["Иван Петров"].head_id == boss.id
    listed = okno[0].invoke(main, ["staff", "list"]).output
    assert "\tmanager\tИван Соколов\t-\tactive\tСергей Павлов" in listed


def test_a_wrong_line_saves_nothing_and_says_where(okno: tuple[CliRunner, Path]) -> None:
    wrong = HR_EXPORT + (
        "Олег Козлов;директор;kozlov@zavod.ru;;\n"
        "Николай Дмитриев;менеджер;;205;Иван Соколов\n"
        "Дмитрий Николаев;менеджер;sokolov@zavod.ru;;\n"
        "Пётр Иванов;менеджер;;201;\n"
    )
    result = _import(okno, wrong)
    assert result.exit_code == 1
    assert "line 7: unknown role 'директор' (manager, supervisor or admin)" in result.output
    assert "line 9: sokolov@zavod.ru is also on line 4" in result.output
    assert "line 10: extension 201 belongs to Иван Соколов" in result.output
    assert "line 8: head Иван Соколов is a manager, not a supervisor or an admin" in result.output
    assert "nothing saved (4 problem(s))" in result.output
    assert _staff(okno[1]) == {}
    circle = HR_EXPORT.replace(
        "Елена Макарова;руководитель;makarova@zavod.ru;100;",
        "Елена Макарова;руководитель;makarova@zavod.ru;100;Сергей Павлов",
    )
    looped = _import(okno, circle)
    assert looped.exit_code == 1 and "a circle" in looped.output and _staff(okno[1]) == {}
    dry = _import(okno, HR_EXPORT, "--dry-run")
    assert dry.exit_code == 0 and _last(dry) == "dry run, nothing saved: 5 added, 0 updated, 4 heads set"
    assert _staff(okno[1]) == {}
    assert "no name column" in _import(okno, "Кто;Почта\nИван;i@x.ru\n").output


def test_staff_add_takes_a_head_and_refuses_a_manager_as_one(okno: tuple[CliRunner, Path]) -> None:
    runner, tmp_path = okno
    assert (
        runner.invoke(
            main, ["staff", "add", "Елена Макарова", "--role", "supervisor", "--email", "e@z.ru"]
        ).exit_code
        == 0
    )
    added = runner.invoke(main, ["staff", "add", "Иван Соколов", "--head", "e@z.ru"])
    assert added.exit_code == 0, added.output
    staff = _staff(tmp_path)
    assert staff["Иван Соколов"].head_id == staff["Елена Макарова"].id
    refused = runner.invoke(main, ["staff", "add", "Анна Волкова", "--head", str(staff["Иван Соколов"].id)])
    assert refused.exit_code == 2 and "a head is a supervisor or an admin" in refused.output
    assert "Анна Волкова" not in _staff(tmp_path)


def test_those_who_left_are_deactivated_only_when_asked_and_admins_stay(okno: tuple[CliRunner, Path]) -> None:
    runner, tmp_path = okno
    assert runner.invoke(main, ["staff", "add", "Галина Админ", "--role", "admin"]).exit_code == 0
    assert _import(okno, HR_EXPORT).exit_code == 0
    left = HR_EXPORT.replace("Анна Волкова;менеджер;;203;Елена Макарова\n", "")
    kept = _import(okno, left)
    assert kept.exit_code == 0 and _staff(tmp_path)["Анна Волкова"].active  # not without the flag
    gone = _import(okno, left, "--deactivate-missing")
    assert gone.exit_code == 0, gone.output
    assert "deactivated: Анна Волкова" in gone.output
    assert _last(gone) == "0 added, 4 updated, 3 heads set, 1 deactivated"
    staff = _staff(tmp_path)
    assert not staff["Анна Волкова"].active and staff["Галина Админ"].active
    back = _import(okno, HR_EXPORT, "--deactivate-missing")  # she came back: active again
    assert back.exit_code == 0 and _staff(tmp_path)["Анна Волкова"].active


def test_a_list_without_roles_keeps_everyones_role(okno: tuple[CliRunner, Path]) -> None:
    runner, tmp_path = okno
    assert (
        runner.invoke(
            main, ["staff", "add", "Елена Макарова", "--role", "admin", "--email", "e@z.ru"]
        ).exit_code
        == 0
    )
    plain = _import(okno, "ФИО;Почта\nЕлена Макарова;e@z.ru\nОлег Козлов;o@z.ru\n")
    assert plain.exit_code == 0 and _last(plain) == "1 added, 1 updated, 0 heads set"
    staff = _staff(tmp_path)
    assert staff["Елена Макарова"].role == "admin" and staff["Олег Козлов"].role == "manager"


def test_a_line_is_given_to_a_group_when_it_is_added(okno: tuple[CliRunner, Path]) -> None:
    runner, tmp_path = okno
    assert _import(okno, HR_EXPORT).exit_code == 0
    pavlov = _staff(tmp_path)["Сергей Павлов"]
    added = runner.invoke(main, ["channel", "add", "api", "sales-a", "--group", "pavlov@zavod.ru"])
    assert added.exit_code == 0, added.output
    assert (
        f"\tapi\tsales-a\tactive\t{{}}\tgroup of staff {pavlov.id}"
        in runner.invoke(main, ["channel", "list"]).output
    )
    refused = runner.invoke(main, ["channel", "add", "api", "sales-b", "--group", "sokolov@zavod.ru"])
    assert refused.exit_code == 2 and "a head is a supervisor or an admin" in refused.output
    assert "sales-b" not in runner.invoke(main, ["channel", "list"]).output


def test_a_branch_in_another_city_comes_with_its_time_zone(okno: tuple[CliRunner, Path]) -> None:
    """A division with branches: the HR list says each member's zone as a city, «МСК+4» or an IANA name; a
    later list without the column keeps them; `okno staff add --timezone` does the same for one member."""
    zoned = (
        "ФИО;Почта;Часовой пояс\n"
        "Елена Макарова;makarova@zavod.ru;\n"
        "Сергей Павлов;pavlov@zavod.ru;Красноярск\n"
        "Иван Соколов;sokolov@zavod.ru;МСК+4\n"
        "Иван Петров;petrov@zavod.ru;Asia/Irkutsk\n"
    )
    wrong = _import(okno, zoned + "Анна Волкова;volkova@zavod.ru;Марс\n")
    assert wrong.exit_code == 1 and "line 6: unknown time zone 'Марс'" in wrong.output
    assert _staff(okno[1]) == {}
    assert _import(okno, zoned).exit_code == 0
    zones = {name: member.timezone for name, member in _staff(okno[1]).items()}
    assert zones == {
        "Елена Макарова": None,
        "Сергей Павлов": "Asia/Krasnoyarsk",
        "Иван Соколов": "Asia/Krasnoyarsk",
        "Иван Петров": "Asia/Irkutsk",
    }
    assert _import(okno, HR_EXPORT).exit_code == 0  # no zone column: everyone keeps theirs
    assert _staff(okno[1])["Сергей Павлов"].timezone == "Asia/Krasnoyarsk"
    # the director from the head office abroad reads okno in English
    spoken = "ФИО;Почта;Язык\nСергей Павлов;pavlov@zavod.ru;English\nИван Петров;petrov@zavod.ru;\n"
    assert _import(okno, spoken + "Иван Соколов;sokolov@zavod.ru;клингонский\n").exit_code == 1
    assert _import(okno, spoken).exit_code == 0
    languages = {
        name: m.language for name, m in _staff(okno[1]).items() if name in ("Сергей Павлов", "Иван Петров")
    }
    assert languages == {"Сергей Павлов": "en", "Иван Петров": None}
    runner = okno[0]
    assert runner.invoke(main, ["staff", "add", "Олег Козлов", "--timezone", "Vladivostok"]).exit_code == 0
    refused = runner.invoke(main, ["staff", "add", "Пётр Иванов", "--timezone", "МСК+12"])
    assert refused.exit_code == 2 and "no Russian time zone is MSK+12" in refused.output
    assert _staff(okno[1])["Олег Козлов"].timezone == "Asia/Vladivostok" and "Пётр Иванов" not in _staff(
        okno[1]
    )
    assert (
        "\tСергей Павлов\t-\tactive\tЕлена Макарова\tAsia/Krasnoyarsk"
        in runner.invoke(main, ["staff", "list"]).output
    )
