"""`okno channel …` and `okno staff …`: the accounts that receive and the people who work."""

from __future__ import annotations

import asyncio
import secrets as token_source
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from channels.whatsapp.templates import Synced, TemplateSyncError, shown_config
from intake.zones import UnknownZone, parse_zone
from okno.keys import secret_box
from okno.settings import SettingsError, load_settings
from storage.crypto import SecretBox
from storage.db import Database
from storage.models import ChannelAccount, Staff
from storage.repos.accounts import add_channel_account, add_staff, list_channel_accounts, list_staff
from storage.repos.org_chart import can_head
from web.passwords import hash_password
from workers.whatsapp_templates import sync_templates

T = TypeVar("T")
# Secrets okno generates for a new account of a channel when they are not given.
GENERATED_SECRETS = {
    "api": ("inbound_token", "webhook_secret"),
    "whatsapp": ("verify_token",),
    "telegram": ("webhook_secret",),
    "telegram_staff": ("webhook_secret",),  # the staff bot (bots/staff): its own token and webhook
    "telephony": ("webhook_secret",),
}


def with_db(work: Callable[[Database, SecretBox], Awaitable[T]]) -> T:
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def run() -> T:
        db = Database(settings.effective_database_url)
        try:
            return await work(db, secret_box(settings))
        finally:
            await db.dispose()

    return asyncio.run(run())


# What an account cannot work without, per channel (telephony: per provider): (config keys, secret keys).
# Checked when it is added, so a missing token is said at once, not by the first message that never comes.
REQUIRED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "telegram": ((), ("bot_token",)),
    "telegram_staff": ((), ("bot_token",)),
    "whatsapp": (("phone_number_id",), ("access_token", "app_secret")),
    "viber": (("sender_name",), ("auth_token",)),
    "email": (("address",), ("password",)),
}
TELEPHONY_REQUIRED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "generic": ((), ()),
    "twilio": (("account_sid",), ("auth_token",)),
    "zadarma": ((), ("api_key", "api_secret")),
    "mango": ((), ("api_key", "api_salt")),
    "asterisk": (("host", "username"), ("ami_secret",)),
}


def missing_settings(channel_name: str, config: dict[str, str], secrets: dict[str, str]) -> list[str]:
    """The options `okno channel add` still needs, as the user would type them ([] when none)."""
    if channel_name == "telephony":
        provider = config.get("provider", "generic")
        if provider not in TELEPHONY_REQUIRED:
            return [f"--config provider=<{'|'.join(TELEPHONY_REQUIRED)}> (not {provider!r})"]
        needed = TELEPHONY_REQUIRED[provider]
    else:
        needed = REQUIRED.get(channel_name, ((), ()))
    keys, secret_keys = needed
    given = {k for k, v in (config | secrets).items() if v}  # Twilio's account SID is read from either
    return [f"--config {k}=…" for k in keys if k not in given] + [
        f"--secret {k}=…" for k in secret_keys if k not in given
    ]


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{what} must look like KEY=VALUE, got {value!r}")
        pairs[key] = val
    return pairs


@click.group()
def channel() -> None:
    """Channel accounts: bots, numbers, mailboxes, PBXs, API clients."""


@channel.command("add")
@click.argument(
    "channel_name",
    metavar="CHANNEL",
    type=click.Choice(["telegram", "whatsapp", "viber", "email", "telephony", "api", "telegram_staff"]),
)
@click.argument("name")
@click.option("--config", "config", multiple=True, help="KEY=VALUE, e.g. webhook_url=https://…")
@click.option("--secret", "secret", multiple=True, help="KEY=VALUE, stored encrypted")
@click.option(
    "--group",
    default=None,
    metavar="ID|EMAIL",
    help="the head whose group answers this line: new requests rotate among that group's managers",
)
def channel_add(
    channel_name: str, name: str, config: tuple[str, ...], secret: tuple[str, ...], group: str | None
) -> None:
    """Connect an account. Secrets that okno generates are printed once."""
    secrets = _pairs(secret, "--secret")
    missing = missing_settings(channel_name, _pairs(config, "--config"), secrets)
    if missing:
        where = (
            "bots/staff/README.md"
            if channel_name == "telegram_staff"
            else f"channels/{channel_name}/README.md"
        )
        raise click.UsageError(f"a {channel_name} account needs {', '.join(missing)} (see {where})")
    generated = {
        k: token_source.token_urlsafe(32) for k in GENERATED_SECRETS.get(channel_name, ()) if k not in secrets
    }

    async def work(db: Database, box: SecretBox) -> int:
        async with db.session() as session:
            account = await add_channel_account(
                session,
                box=box,
                channel=channel_name,
                name=name,
                config=_pairs(config, "--config"),
                secrets={**secrets, **generated},
            )
            account.group_head_id = (await head_by_key(session, group)).id if group else None
            await session.commit()
            return account.id or 0

    account_id = with_db(work)
    click.echo(f"added {channel_name} account {name!r} (id {account_id})")
    for key, value in generated.items():
        click.echo(f"  {key}: {value}   (shown once; keep it safe)")


@channel.command("list")
def channel_list() -> None:
    """List accounts (secrets are never shown)."""

    async def work(db: Database, _box: SecretBox) -> list[Any]:
        async with db.session() as session:
            return list(await list_channel_accounts(session))

    for account in with_db(work):
        state = "active" if account.active else "inactive"
        group = f"\tgroup of staff {account.group_head_id}" if account.group_head_id else ""
        config = shown_config(account.config)  # the synced list: `channel templates`
        click.echo(f"{account.id}\t{account.channel}\t{account.name}\t{state}\t{config}{group}")


@channel.command("templates")
@click.argument("name")
def channel_templates(name: str) -> None:
    """Read a WhatsApp account's approved templates from Meta, keep them for the pickers, and list them."""

    async def work(db: Database, box: SecretBox) -> Synced:
        async with db.session() as session:
            query = select(ChannelAccount.id).where(
                col(ChannelAccount.channel) == "whatsapp", col(ChannelAccount.name) == name
            )
            account_id = (await session.execute(query)).scalars().first()
        if account_id is None:
            raise click.ClickException(f"no WhatsApp account {name!r} (see `okno channel list`)")
        try:
            return await sync_templates(db, box, account_id)
        except TemplateSyncError as exc:
            raise click.ClickException(str(exc)) from None

    found = with_db(work)
    click.echo(f"{len(found.items)} approved templates of {name!r}, {len(found.usable)} okno can send:")
    for item in found.items:
        params = ", ".join(item.params) if item.params else "none"
        state = "ok" if item.usable else f"cannot send: {item.why()}"
        preview = " ".join(item.body.split())
        preview = preview if len(preview) <= 70 else preview[:69] + "…"
        click.echo(f"{item.key}\t{item.category}\t{len(item.params)} params ({params})\t{state}\t{preview}")


@click.group()
def staff() -> None:
    """Staff members: managers, supervisors, admins."""


@staff.command("add")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(["manager", "supervisor", "admin"]), default="manager", show_default=True
)
@click.option("--telegram-id", type=int, default=None, help="Telegram user id, for the staff bot")
@click.option("--email", default=None)
@click.option("--extension", default=None, help="PBX extension, so their calls are linked to them")
@click.option("--api-token", is_flag=True, help="issue a staff API token (printed once)")
@click.option(
    "--timezone",
    "zone",
    default=None,
    help="their own time zone, for a branch in another city: Asia/Krasnoyarsk, Красноярск or МСК+4",
)
@click.option("--password", is_flag=True, help="prompt for a web UI password (hidden; stored argon2-hashed)")
@click.option(
    "--head",
    default=None,
    metavar="ID|EMAIL",
    help="their head (a supervisor or admin): their conflicts and overdue tasks reach the head first",
)
def staff_add(
    name: str,
    role: str,
    telegram_id: int | None,
    email: str | None,
    extension: str | None,
    api_token: bool,
    password: bool,
    head: str | None,
    zone: str | None,
) -> None:
    """Add a staff member."""
    try:
        timezone = parse_zone(zone) if zone else None
    except UnknownZone as exc:
        raise click.BadParameter(str(exc), param_hint="--timezone") from None
    token = token_source.token_urlsafe(32) if api_token else None
    secret = click.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    digest = hash_password(secret) if secret else None

    async def work(db: Database, _box: SecretBox) -> int:
        async with db.session() as session:
            boss = await head_by_key(session, head) if head else None
            member = await add_staff(
                session,
                name=name,
                role=role,
                telegram_user_id=telegram_id,
                email=email,
                api_token=token,
                password_hash=digest,
                extension=extension,
                head_id=boss.id if boss else None,
                timezone=timezone,
            )
            await session.commit()
            return member.id or 0

    click.echo(f"added {role} {name!r} (id {with_db(work)})")
    if token:
        click.echo(f"  api token: {token}   (shown once)")


@staff.command("list")
def staff_list() -> None:
    """List staff: id, role, name, Telegram id, state, head, own time zone."""

    async def work(db: Database, _box: SecretBox) -> list[Any]:
        async with db.session() as session:
            return list(await list_staff(session))

    members = with_db(work)
    names = {m.id: m.name for m in members}
    for member in members:
        state = "active" if member.active else "inactive"
        head = names.get(member.head_id, "-")
        click.echo(
            f"{member.id}\t{member.role}\t{member.name}\t{member.telegram_user_id or '-'}\t{state}\t{head}"
            f"\t{member.timezone or '-'}"
        )


@staff.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check the file and say what would change; save nothing")
@click.option(
    "--deactivate-missing",
    is_flag=True,
    help="deactivate members the file does not list (those who left); admins are kept",
)
def staff_import(path: Path, dry_run: bool, deactivate_missing: bool) -> None:
    """Add or update staff from a CSV file (name, role, email, extension, telegram_id, head, timezone,
    language; English or Russian column names); nothing is saved while any line is wrong."""
    from okno.staff_import import ImportReport, apply_rows, read_rows
    from workers.replies_file import decode  # how Russian Excel saves a CSV, as saved replies are read

    rows, problems = read_rows(decode(path.read_bytes()))

    async def work(db: Database, _box: SecretBox) -> ImportReport:
        async with db.session() as session:
            report = await apply_rows(session, rows, leavers=deactivate_missing)
            report.problems[:0] = problems
            if report.problems or dry_run:
                await session.rollback()
            else:
                await session.commit()
            return report

    report = with_db(work)
    for problem in report.problems:
        click.echo(problem, err=True)
    counts = f"{len(report.added)} added, {len(report.updated)} updated, {report.heads} heads set"
    if deactivate_missing:
        counts += f", {len(report.deactivated)} deactivated"
        if report.deactivated and not report.problems:
            click.echo(f"deactivated: {', '.join(report.deactivated)}")
    if report.problems:
        raise click.ClickException(
            f"nothing saved ({len(report.problems)} problem(s)); the file would give {counts}"
        )
    click.echo(f"{'dry run, nothing saved: ' if dry_run else ''}{counts}")


@staff.command("invite-mail")
@click.argument("members", nargs=-1, metavar="[ID|EMAIL]...")
@click.option(
    "--all", "everyone", is_flag=True, help="every active member with an email and no web password yet"
)
def staff_invite_mail(members: tuple[str, ...], everyone: bool) -> None:
    """Mail members a one-time link to set their web password (an invitation for 72 hours; a reset link for
    an hour to one who has a password) from the company's email account; a link the mail could not take is
    printed instead, to hand over another way. After `okno staff import`: `okno staff invite-mail --all`."""
    from storage.repos.login_links import VALID_FOR, issue_link
    from storage.types import utcnow
    from web.login_mail import link_base, mail_link, staff_mailbox
    from web.pages_account import welcome_url

    if not members and not everyone:
        raise click.UsageError("name the members (ID or email), or --all")
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    base = link_base(settings)
    if base is None:
        raise click.ClickException(
            "set OKNO_STAFFBOT__WEB_URL (or OKNO_HTTP__PUBLIC_URL), the address staff open okno at: "
            "the mailed link points there"
        )

    async def work(db: Database, box: SecretBox) -> list[tuple[str, str]]:
        async with db.session() as session:
            if everyone:
                targets = [
                    m for m in await list_staff(session) if m.active and m.email and not m.password_hash
                ]
            else:
                targets = [await active_member(session, key) for key in members]
            if missing := [m.name for m in targets if not m.email]:
                raise click.UsageError(
                    f"no email for {', '.join(missing)}: add it to the staff list and `okno staff import` it"
                )
            links = []
            for member in targets:
                purpose = "reset" if member.password_hash else "invite"
                token = await issue_link(
                    session, staff=member, purpose=purpose, at=utcnow(), created_by_id=None
                )
                links.append((member, purpose, welcome_url(base, token)))
            await session.commit()
        mailbox = await staff_mailbox(db, box, settings.web.mail_account)
        told = []
        for member, purpose, url in links:
            who = f"{member.name} <{member.email}>"
            problem = await mail_link(
                mailbox, settings, to=member.email or "", name=member.name, url=url, purpose=purpose,
                valid_for=VALID_FOR[purpose],
            )  # fmt: skip
            told.append((f"mailed: {who}", "") if not problem else (f"not mailed ({problem}): {who}", url))
        return told

    told = with_db(work)
    for line, url in told:
        click.echo(f"{line}\n  {url}" if url else line)
    if not told:
        click.echo("nobody to invite: every active member with an email has a web password")


@staff.command("invite")
@click.option(
    "--role", type=click.Choice(["manager", "supervisor", "admin"]), default="manager", show_default=True
)
@click.option("--name", default=None, help="the new member's name (default: their Telegram name)")
@click.option("--days", type=int, default=7, show_default=True, help="how long the code stays valid")
@click.option(
    "--staff",
    "member",
    default=None,
    metavar="ID|EMAIL",
    help="an existing member (see `okno staff list`): the code connects their Telegram to the staff bot",
)
def staff_invite(role: str, name: str | None, days: int, member: str | None) -> None:
    """A one-time code to join through the staff bot (/start CODE); shown once, only its hash is kept."""
    from datetime import timedelta

    from storage.repos.staff_bot import create_invite

    async def work(db: Database, _box: SecretBox) -> tuple[str, str]:
        async with db.session() as session:
            existing = await active_member(session, member) if member else None
            invite, code = await create_invite(
                session, role=role, name=name, valid_for=timedelta(days=days), staff=existing
            )
            await session.commit()
            who = f"{invite.name} ({invite.role})" if existing else f"a {role}{f' ({name})' if name else ''}"
            return who, code

    who, code = with_db(work)
    click.echo(f"invite for {who}, valid {days} day(s):")
    click.echo(f"  code: {code}   (shown once; in the staff bot: /start {code})")


async def head_by_key(session: AsyncSession, key: str) -> Staff:
    found = await active_member(session, key)
    if not can_head(found):
        raise click.UsageError(f"{found.name} is a {found.role}: a head is a supervisor or an admin")
    return found


async def active_member(session: AsyncSession, key: str) -> Staff:
    """An active staff member by id or email, or a usage error naming what was not found."""
    query = select(Staff).where(
        col(Staff.id) == int(key) if key.isdigit() else func.lower(col(Staff.email)) == key.strip().lower()
    )
    found = (await session.execute(query)).scalars().first()
    if found is None or not found.active:
        raise click.UsageError(f"no active staff member {key!r} (see `okno staff list`)")
    return found
