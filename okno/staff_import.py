"""`okno staff import FILE.csv`: a company's staff list (an HR or 1C export) into okno, heads included.

A division of eighty is not typed in one `okno staff add` at a time. The file's columns are named in English
or Russian (name/ФИО, role/роль, email/почта, extension/добавочный, telegram_id, head/руководитель,
timezone/часовой пояс: «Asia/Krasnoyarsk», «Красноярск» or «МСК+4», language/язык: ru or en); Excel's
semicolons and a Windows-1251 export are read as well. A member is matched by email, else by their exact
name, so the same file imported again updates people rather than doubling them. Nothing is saved while any
line is wrong: every problem is listed with its line, the file is fixed and imported again."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from intake.zones import UnknownZone, parse_zone
from storage.models import Staff
from storage.repos.accounts import add_staff, list_staff
from storage.repos.org_chart import can_head, reports_to
from workers.staffbot_config import LANGUAGE_WORDS

COLUMNS = {
    "name": ("name", "фио", "имя", "сотрудник", "full name"),
    "role": ("role", "роль", "должность в okno"),
    "email": ("email", "e-mail", "почта", "эл. почта", "электронная почта"),
    "extension": ("extension", "добавочный", "внутренний номер", "доб."),
    "telegram_id": ("telegram_id", "telegram", "телеграм"),
    "head": ("head", "руководитель", "начальник"),
    "timezone": ("timezone", "time zone", "часовой пояс", "пояс"),
    "language": ("language", "язык"),
}
ROLE_WORDS = {
    "manager": "manager",
    "менеджер": "manager",
    "supervisor": "supervisor",
    "супервизор": "supervisor",
    "руководитель": "supervisor",
    "руководитель группы": "supervisor",
    "admin": "admin",
    "администратор": "admin",
}


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    role: str | None  # None: the file does not say (a member keeps theirs; a new one is a manager)
    email: str | None
    extension: str | None
    telegram_id: int | None
    head: str | None  # an email or a full name, of someone in the file or already in okno
    timezone: str | None = None  # IANA name; None: the file does not say (a member keeps theirs)
    language: str | None = None  # "ru" | "en"; None: the file does not say (a member keeps theirs)


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    heads: int = 0
    deactivated: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_rows(text: str) -> tuple[list[Row], list[str]]:
    """The file's rows, and a problem per line that cannot be one (the header's line first)."""
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        return [], ["line 1: the file is empty"]
    where: dict[str, int] = {}
    for i, title in enumerate(header):
        key = next((k for k, names in COLUMNS.items() if title.strip().casefold() in names), None)
        if key is not None:
            where.setdefault(key, i)
    if "name" not in where:
        return [], [f"line 1: no name column (one of: {', '.join(COLUMNS['name'])})"]
    rows, problems = [], []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(key: str, cells: Sequence[str] = cells) -> str:
            i = where.get(key)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        name, role_word, tg = " ".join(cell("name").split()), cell("role").casefold(), cell("telegram_id")
        role = ROLE_WORDS.get(role_word) if role_word else None
        if not name:
            problems.append(f"line {line}: no name")
        elif role_word and role is None:
            problems.append(f"line {line}: unknown role {cell('role')!r} (manager, supervisor or admin)")
        elif tg and not tg.lstrip("-").isdigit():
            problems.append(f"line {line}: telegram_id {tg!r} is not a number")
        elif cell("email") and "@" not in cell("email"):
            problems.append(f"line {line}: {cell('email')!r} is not an email address")
        elif zone_problem := _zone(cell("timezone"))[1]:
            problems.append(f"line {line}: {zone_problem}")
        elif cell("language") and cell("language").casefold() not in LANGUAGE_WORDS:
            problems.append(f"line {line}: unknown language {cell('language')!r} (ru or en)")
        else:
            rows.append(
                Row(
                    line,
                    name[:255],
                    role,
                    cell("email").lower() or None,
                    cell("extension") or None,
                    int(tg) if tg else None,
                    cell("head") or None,
                    _zone(cell("timezone"))[0],
                    LANGUAGE_WORDS.get(cell("language").casefold()),
                )
            )
    return rows, problems


def _zone(written: str) -> tuple[str | None, str | None]:
    """The IANA name a zone cell says («Красноярск», «МСК+4»; None when empty), or why it names none."""
    try:
        return (parse_zone(written) if written else None), None
    except UnknownZone as exc:
        return None, str(exc)


def _repeats(rows: Sequence[Row]) -> dict[int, str]:
    """Lines whose email an earlier line has (it would update that line's member); a repeated extension or
    Telegram id is caught as taken."""
    problems: dict[int, str] = {}
    seen: dict[str, int] = {}
    for row in rows:
        if row.email and row.email in seen:
            problems[row.line] = f"line {row.line}: {row.email} is also on line {seen[row.email]}"
        elif row.email:
            seen[row.email] = row.line
    return problems


def _taken(everyone: Sequence[Staff], row: Row, member: Staff | None) -> str | None:
    """The row's email, extension or Telegram id held by someone else (each belongs to one member)."""
    for other in everyone:
        if other is member:
            continue
        if row.email and other.email == row.email:
            return f"{row.email} belongs to {other.name}"
        if row.extension and other.extension == row.extension:
            return f"extension {row.extension} belongs to {other.name}"
        if row.telegram_id and other.telegram_user_id == row.telegram_id:
            return f"telegram_id {row.telegram_id} belongs to {other.name}"
    return None


async def apply_rows(session: AsyncSession, rows: Sequence[Row], *, leavers: bool = False) -> ImportReport:
    """Add or update each row's member, then set the heads; with `leavers`, a member the file does not list
    is deactivated (no requests, alerts or sign-in), admins aside: the HR list rarely holds the IT admin. The
    caller commits only a report without problems."""
    repeated = _repeats(rows)
    report = ImportReport(problems=list(repeated.values()))
    everyone = list(await list_staff(session))
    members = {
        row.line: member
        for row in rows
        if row.line not in repeated and (member := await _upsert(session, everyone, row, report))
    }
    await session.flush()
    for row in rows:
        if row.line in members and row.head is not None:
            await _set_head(session, everyone, row, members[row.line], report)
    if leavers:
        listed = {id(member) for member in members.values()}
        for member in everyone:
            if member.active and member.role != "admin" and id(member) not in listed:
                member.active = False
                report.deactivated.append(member.name)
    return report


async def _upsert(
    session: AsyncSession, everyone: list[Staff], row: Row, report: ImportReport
) -> Staff | None:
    by_email = [s for s in everyone if row.email and s.email == row.email]
    same = [s for s in everyone if s.name == row.name and (not row.email or not s.email)]
    by_name = [s for s in same if s.active] or same  # someone who left and came back is taken back
    found = by_email or by_name
    if len(found) > 1:
        report.problems.append(f"line {row.line}: {len(found)} members are named {row.name!r}: give an email")
        return None
    member = found[0] if found else None
    taken = _taken(everyone, row, member)
    if taken:
        report.problems.append(f"line {row.line}: {taken}")
        return None
    if member is not None:
        # an export without a role column must not make the company's admin a manager
        member.name, member.role, member.active = row.name, row.role or member.role, True
        member.extension = row.extension or member.extension
        member.telegram_user_id = row.telegram_id or member.telegram_user_id
        member.email = row.email or member.email
        member.timezone = row.timezone or member.timezone
        member.language = row.language or member.language
        report.updated.append(row.name)
        return member
    member = await add_staff(
        session,
        name=row.name,
        role=row.role or "manager",
        email=row.email,
        extension=row.extension,
        telegram_user_id=row.telegram_id,
        timezone=row.timezone,
    )
    member.language = row.language
    everyone.append(member)
    report.added.append(row.name)
    return member


async def _set_head(
    session: AsyncSession, everyone: Sequence[Staff], row: Row, member: Staff, report: ImportReport
) -> None:
    wanted = (row.head or "").casefold()
    heads = [s for s in everyone if s.active and wanted in ((s.email or "").casefold(), s.name.casefold())]
    problem = None
    if len(heads) != 1:
        named = "nobody" if not heads else f"{len(heads)} people"
        problem = f"head {row.head!r} names {named} (an email or a full name)"
    elif not can_head(heads[0]):
        problem = f"head {heads[0].name} is a {heads[0].role}, not a supervisor or an admin"
    elif await reports_to(session, heads[0], member):
        problem = f"{heads[0].name} already reports to {member.name}: a circle"
    if problem is not None:
        report.problems.append(f"line {row.line}: {problem}")
        return
    member.head_id = heads[0].id
    report.heads += 1
