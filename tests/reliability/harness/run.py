"""One crash run: private Redis (+ PostgreSQL) and Dovecot, okno's processes, the stand-ins; the burst sent
while processes are SIGKILLed and restarted, Redis restarted once and PostgreSQL once; then, with
everything left running, wait until nothing is pending and count. Used by tests/reliability/test_crash.py
and bench/crash.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import aiohttp

from storage.crypto import SecretBox
from storage.db import Database, sqlite_url
from storage.migrate import upgrade
from storage.repos.accounts import add_channel_account, add_staff
from tests.channels.email.dovecot import Dovecot, start_dovecot
from tests.reliability.harness.events import CLIENTS_PER_CHANNEL, Accounts, Burst, burst
from tests.reliability.harness.fleet import Fleet, OknoProcess
from tests.reliability.harness.infra import PrivatePostgres, PrivateRedis
from tests.reliability.harness.outbound import Staff, StandIns
from tests.reliability.harness.report import Report
from tests.reliability.harness.senders import MailDrop, Platforms
from tests.reliability.harness.tally import JobLines, settled, stored

log = logging.getLogger(__name__)


@dataclass
class CrashConfig:
    events: int = 1000
    db: Literal["sqlite", "postgres"] = "sqlite"
    serves: int = 1
    workers: int = 1
    duration_s: float = 30.0  # the burst is spread over this long
    kill_every_s: float = 4.0
    kill_listen: bool = False  # a killed leader's lease runs out first (30 s) before a new one takes over
    min_kills: int = 3  # the kills go on after the burst until this many (a slow start delays them)
    replies: int = 40
    restart_redis: bool = True
    restart_postgres: bool = True  # PostgreSQL runs only
    settle_timeout_s: float = 150.0
    # Shorter than the defaults so a run ends in minutes; the logic they drive is the production one.
    sweep_interval_s: float = 2.0
    sweep_min_age_s: float = 10.0
    outbox_stuck_after_s: float = 15.0
    keep_dir: Path | None = None  # keep logs and data here (else a temp dir, removed at the end)


async def until(condition: Callable[[], bool], every_s: float = 0.3) -> None:
    """Poll a blocking check (in a thread) until it holds."""
    while True:
        if await asyncio.to_thread(condition):
            return
        await asyncio.sleep(every_s)


@dataclass
class Chaos:
    """Kills one serve or worker process every `every_s` and starts it again at once, round robin."""

    fleet: Fleet
    every_s: float
    kill_listen: bool
    kills: dict[str, int] = field(default_factory=dict)

    async def run(self, stop: asyncio.Event) -> None:
        serves, workers = self.fleet.serves, self.fleet.workers
        victims: list[OknoProcess] = []
        for n in range(max(len(serves), len(workers))):  # serve, worker, serve, worker, …
            victims += [serves[n % len(serves)]] if serves else []
            victims += [workers[n % len(workers)]] if workers else []
        if self.kill_listen and self.fleet.listeners:
            victims.insert(len(victims) // 2, self.fleet.listeners[0])
        turn = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.every_s * random.uniform(0.7, 1.3))
            if stop.is_set():
                return
            victim = victims[turn % len(victims)]
            turn += 1
            victim.kill()
            self.kills[victim.name] = self.kills.get(victim.name, 0) + 1
            log.info("chaos: killed %s", victim.name)
            victim.start()
            # The next kill waits until this process runs again: killing a process still importing proves
            # nothing (and on a busy box a start takes longer than the kill interval).
            await until(lambda v=victim: stop.is_set() or v.ready())  # type: ignore[misc]


@dataclass
class Environment:
    root: Path
    redis: PrivateRedis
    postgres: PrivatePostgres | None
    dovecot: Dovecot
    db_url: str
    stand_ins: StandIns
    accounts: Accounts
    staff_token: str
    env: dict[str, str]


@contextlib.asynccontextmanager
async def environment(config: CrashConfig) -> AsyncIterator[Environment]:
    root = Path(tempfile.mkdtemp(prefix="okno-crash-")) if config.keep_dir is None else config.keep_dir
    root.mkdir(parents=True, exist_ok=True)
    (root / "logs").mkdir(exist_ok=True)
    redis, postgres, dovecot = PrivateRedis(), None, None
    stand_ins = StandIns()
    try:
        redis.start()
        if config.db == "postgres":
            postgres = PrivatePostgres()
            await asyncio.to_thread(postgres.init)
            await asyncio.to_thread(postgres.start)
            db_url = await asyncio.to_thread(postgres.create_database, "okno")
        else:
            db_url = sqlite_url(str(root / "okno.db"))
        dovecot = await asyncio.to_thread(start_dovecot)
        await stand_ins.start()
        key = SecretBox.new_key()
        accounts, staff_token = await _set_up(db_url, key, stand_ins, dovecot)
        env = _process_env(config, root, db_url, key, redis.url)
        yield Environment(root, redis, postgres, dovecot, db_url, stand_ins, accounts, staff_token, env)
    finally:
        await stand_ins.close()
        redis.close()
        if postgres is not None:
            postgres.close()
        if dovecot is not None:
            dovecot.stop()
        if config.keep_dir is None:
            shutil.rmtree(root, ignore_errors=True)


async def _set_up(db_url: str, key: str, stand_ins: StandIns, dovecot: Dovecot) -> tuple[Accounts, str]:
    db = Database(db_url)
    await upgrade(db)
    box = SecretBox(key)
    wa = stand_ins.whatsapp
    accounts = Accounts(
        api_token=secrets.token_urlsafe(16),
        telegram_secret=secrets.token_urlsafe(16),
        whatsapp_app_secret=wa.app_secret,
        whatsapp_phone_id=wa.phone_number_id,
        pbx_secret=secrets.token_urlsafe(16),
        mailbox_address=dovecot.user,
    )
    staff_token = secrets.token_urlsafe(16)
    rows: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
        ("api", "site", {"webhook_url": f"{stand_ins.urls['api']}/hook"},
         {"inbound_token": accounts.api_token, "webhook_secret": stand_ins.receiver.secret}),
        ("telegram", "bot", {"api_base": stand_ins.urls["telegram"], "mode": "webhook"},
         {"bot_token": stand_ins.bot_token, "webhook_secret": accounts.telegram_secret}),
        ("whatsapp", "wa", {"phone_number_id": wa.phone_number_id, "graph_url": stand_ins.urls["whatsapp"]},
         {"app_secret": wa.app_secret, "access_token": wa.access_token, "verify_token": "v"}),
        ("telephony", "pbx", {"provider": "generic"}, {"webhook_secret": accounts.pbx_secret}),
        ("email", "mailbox",
         {"imap_host": "127.0.0.1", "imap_port": dovecot.port, "imap_security": "plain",
          "address": dovecot.user, "mailboxes": ["INBOX"], "poll_interval_s": 2, "verify_tls": False},
         {"password": dovecot.password}),
    ]  # fmt: skip
    async with db.session() as session:
        for channel, name, cfg, secret in rows:
            await add_channel_account(
                session, box=box, channel=channel, name=name, config=cfg, secrets=secret
            )
        await add_staff(session, name="Анна", role="manager", api_token=staff_token)
        await session.commit()
    await db.dispose()
    return accounts, staff_token


def _process_env(config: CrashConfig, root: Path, db_url: str, key: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")}
    env.update(
        OKNO_DATA_DIR=str(root / "data"),
        OKNO_DATABASE_URL=db_url,
        OKNO_SECRET_KEY=key,
        OKNO_LOG_LEVEL="INFO",
        OKNO_LOG_JOBS="true",
        OKNO_LLM__ENABLED="false",
        OKNO_QUEUE__BACKEND="arq",
        OKNO_QUEUE__REDIS_URL=redis_url,
        OKNO_QUEUE__PREFIX=f"crash-{uuid.uuid4().hex[:6]}",
        OKNO_QUEUE__SWEEP_INTERVAL_S=str(config.sweep_interval_s),
        OKNO_QUEUE__SWEEP_MIN_AGE_S=str(config.sweep_min_age_s),
        OKNO_QUEUE__OUTBOX_STUCK_AFTER_S=str(config.outbox_stuck_after_s),
        PYTHONUNBUFFERED="1",
    )
    return env


async def run_crash(config: CrashConfig) -> Report:
    async with environment(config) as env:
        return await _run(config, env)


async def _run(config: CrashConfig, env: Environment) -> Report:
    clock: dict[str, float] = {}
    started = time.monotonic()
    run_id = uuid.uuid4().hex[:6]
    wanted = burst(run_id, config.events, env.accounts)
    for n in range(CLIENTS_PER_CHANNEL):  # the WhatsApp stand-in keeps its own 24-hour window per client
        env.stand_ins.whatsapp.last_inbound[f"7925{n:07d}"] = datetime.now(UTC)
    fleet = Fleet.build(env.env, env.root / "logs", serves=config.serves, workers=config.workers, listen=True)
    await asyncio.to_thread(fleet.start)
    clock["start_processes"] = time.monotonic() - started
    db = Database(env.db_url)
    platforms = Platforms(fleet.urls)
    staff = Staff(db, fleet.urls, env.staff_token)
    chaos = Chaos(fleet, config.kill_every_s, config.kill_listen)
    try:
        t0 = time.monotonic()
        await _burst(config, env, wanted, platforms, staff, chaos)
        clock["burst"] = time.monotonic() - t0
        t0 = time.monotonic()
        is_settled = await _settle(config, fleet, db, wanted, staff)
        clock["settle"] = time.monotonic() - t0
        found = await stored(db)
    finally:
        await asyncio.to_thread(fleet.stop)
        await db.dispose()
    jobs = JobLines()
    for process in fleet.workers:
        jobs.read(process.name, process.log_path, process.killed_at)
    expected = wanted.expected()
    clock["total"] = time.monotonic() - started
    return Report(
        db=config.db,
        events_sent=wanted.events,
        deliveries=len(wanted.deliveries),
        delivery_attempts=sum(d.attempts for d in wanted.deliveries),
        answers=platforms.answers,
        acks_by_server={_name(fleet, url): n for url, n in platforms.acks_by_server.items()},
        kills=chaos.kills,
        redis_restarts=env.redis.restarts,
        redis_back_at=list(env.redis.back_at),
        postgres_restarts=env.postgres.restarts if env.postgres else 0,
        expected_events=set().union(*(events for events, _keys in expected.values())),
        expected_messages=set().union(*(keys for _events, keys in expected.values())),
        found=found,
        replies_queued=set(staff.queued),
        reply_posts_unsure=staff.unsure,
        copies=env.stand_ins.copies_by_tag(),
        jobs=jobs,
        settled=is_settled,
        seconds=clock,
    )


async def _burst(
    config: CrashConfig, env: Environment, wanted: Burst, platforms: Platforms, staff: Staff, chaos: Chaos
) -> None:
    stop = asyncio.Event()
    mailbox = MailDrop(env.dovecot.port, env.dovecot.user, env.dovecot.password)
    chaos_task = asyncio.create_task(chaos.run(stop))
    outages = asyncio.create_task(_outages(config, env))
    async with aiohttp.ClientSession() as http:
        replies = asyncio.create_task(
            staff.reply_loop(http, count=config.replies, every_s=config.duration_s / max(1, config.replies))
        )
        try:
            await asyncio.wait_for(
                platforms.send_all(wanted, duration_s=config.duration_s, mailbox=mailbox),
                timeout=config.duration_s + config.settle_timeout_s,
            )
            await asyncio.wait_for(replies, timeout=config.settle_timeout_s)
            await until(lambda: sum(chaos.kills.values()) >= config.min_kills or chaos_task.done())
        finally:
            stop.set()
            replies.cancel()
            await asyncio.gather(chaos_task, outages, replies, return_exceptions=True)


async def _outages(config: CrashConfig, env: Environment) -> None:
    """Redis once at a third of the burst, PostgreSQL once at two thirds."""
    if config.restart_redis:
        await asyncio.sleep(config.duration_s / 3)
        await asyncio.to_thread(env.redis.restart)
        log.info("chaos: Redis restarted (every queued job lost)")
    if config.restart_postgres and env.postgres is not None:
        await asyncio.sleep(config.duration_s / 3)
        await asyncio.to_thread(env.postgres.restart)
        log.info("chaos: PostgreSQL restarted (-m immediate)")


async def _settle(config: CrashConfig, fleet: Fleet, db: Database, wanted: Burst, staff: Staff) -> bool:
    """No more kills: wait until every event is stored and nothing is pending, or the deadline."""
    expected = set().union(*(events for events, _keys in wanted.expected().values()))
    deadline = time.monotonic() + config.settle_timeout_s
    while time.monotonic() < deadline:
        for process in fleet.all:
            if not process.alive:  # a process that died of its own accord is a finding: keep its log, restart
                log.warning("%s exited by itself:\n%s", process.name, process.tail(1500))
                process.start()
        try:
            if settled(await stored(db), expected, set(staff.queued)):
                return True
        except Exception:
            log.debug("database not answering yet", exc_info=True)
        await asyncio.sleep(1.0)
    return False


def _name(fleet: Fleet, url: str) -> str:
    return next((p.name for p in fleet.serves if p.url == url), url)
