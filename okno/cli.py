"""`okno` command line: serve, worker, listen, sandbox, migrate, demo, channel, staff, parse, models, eval,
reindex, calls, backup, restore, privacy, alerts."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click
from aiohttp import web

from okno.admin_cli import channel, staff
from okno.alerts_cli import alerts
from okno.calls_cli import calls
from okno.index_cli import reindex_command
from okno.models_cli import eval_command, models
from okno.parse_cli import parse
from okno.privacy_cli import backup_command, privacy, restore_command
from okno.replies_cli import replies
from okno.report_cli import report
from okno.settings import Settings, SettingsError, load_settings

log = logging.getLogger("okno")


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def run_until_signal(main: Callable[[asyncio.Event], Awaitable[Any]]) -> None:
    """Run `main(stop)` until it returns or SIGINT/SIGTERM sets `stop`."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    asyncio.run(runner())


@click.group()
@click.version_option(package_name="okno")
def main() -> None:
    """okno — every client conversation in one window."""
    from okno.logs import setup_logging

    try:
        settings = load_settings()
        level, jobs = settings.log_level, settings.log_jobs
    except SettingsError:
        level, jobs = "INFO", False  # the command itself reports the bad variables
    setup_logging(level, jobs=jobs)


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema (Alembic)."""
    from storage.db import Database
    from storage.migrate import current_revision, upgrade

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def run() -> None:
        db = Database(settings.effective_database_url)
        await upgrade(db)
        click.echo(f"database at revision {await current_revision(db)}")
        await db.dispose()

    asyncio.run(run())


@main.command()
@click.option("--host", default=None, help="bind address (default OKNO_HTTP__HOST)")
@click.option("--port", type=int, default=None, help="port (default OKNO_HTTP__PORT)")
def serve(host: str | None, port: int | None) -> None:
    """Serve HTTP: channel webhooks, the staff API, /healthz and /metrics."""
    from okno.app import build_app
    from okno.services import build_services

    settings = _settings()

    async def run(stop: asyncio.Event) -> None:
        services = await build_services(settings)
        runner = web.AppRunner(build_app(services), access_log=None)
        await runner.setup()
        site = web.TCPSite(
            runner, host or settings.http.host, port if port is not None else settings.http.port
        )
        await site.start()
        log.info("okno serving on %s (queue: %s)", site.name, settings.queue.backend)
        await stop.wait()
        await runner.cleanup()
        await services.close()

    run_until_signal(run)


METRICS_HELP = "serve this process's Prometheus metrics on this port (GET /metrics; default: none)"


def serve_metrics(port: int | None, host: str) -> None:
    """A worker's or listener's own /metrics: its jobs, model calls and sends are counted in its process,
    which `okno serve`'s /metrics cannot see."""
    if port:
        from prometheus_client import start_http_server

        start_http_server(port, addr=host)
        log.info("metrics on http://%s:%d/metrics", host, port)


@main.command()
@click.option("--queues", default="io", show_default=True, help="comma-separated: io, llm, transcribe")
@click.option("--burst", is_flag=True, help="exit when the queues are empty")
@click.option("--metrics-port", type=int, default=None, help=METRICS_HELP)
def worker(queues: str, burst: bool, metrics_port: int | None) -> None:
    """Run arq jobs from Redis (needs OKNO_QUEUE__BACKEND=arq on the serve side)."""
    from okno.jobs import JOBS
    from okno.services import build_services
    from workers.queue import QUEUES
    from workers.settings import build_workers, counts, run_workers_through_outages

    names = tuple(q.strip() for q in queues.split(",") if q.strip())
    unknown = [q for q in names if q not in QUEUES]
    if unknown or not names:
        raise click.BadParameter(f"unknown queue(s) {unknown}: choose from {', '.join(QUEUES)}")
    settings = _settings()
    log.info("okno worker on queue(s) %s", ", ".join(names))
    if "llm" in names:
        from assistant.llm import describe

        log.log(*describe(settings.llm))
    serve_metrics(metrics_port, settings.http.host)

    async def run(stop: asyncio.Event) -> None:
        services = await build_services(settings, backend="arq")
        built: list[Any] = []

        def build() -> list[Any]:  # fresh arq Workers after each Redis outage (okno keeps running)
            built[:] = build_workers(
                services.jobs,
                jobs=JOBS,
                redis_url=settings.queue.redis_url,
                prefix=settings.queue.prefix,
                queues=names,
                burst=burst,
                sweep_every_s=int(settings.queue.sweep_interval_s),
            )
            return built

        task = asyncio.ensure_future(run_workers_through_outages(build))
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        task.cancel()
        stopper.cancel()
        await asyncio.gather(task, return_exceptions=True)
        log.info("worker done: %s", counts(built))
        await services.close()

    run_until_signal(run)


async def staff_bot_loops(jobs: Any, public_url: str | None) -> list[Any]:
    """The staff bot's polling (mode=polling) and its clock: alerts, escalation, SLA, reminders, digest."""
    from bots.staff.webhook import staff_loops
    from workers.listeners import PeriodicSweep
    from workers.notify import staff_tick
    from workers.staff_delivery import staff_account

    if await staff_account(jobs) is None:
        return []
    return [
        *await staff_loops(jobs, public_url),
        PeriodicSweep("staff-notify", staff_tick, jobs, every_s=20.0),
    ]


@main.command()
@click.option("--metrics-port", type=int, default=None, help=METRICS_HELP)
def listen(metrics_port: int | None) -> None:
    """Host the long-lived inbound loops (polling, IMAP IDLE, AMI) with a leader lock."""
    from okno.calls_cli import telephony_loops
    from okno.services import build_services
    from workers.email_listen import email_loops
    from workers.listeners import run_listeners
    from workers.telegram_listen import telegram_loops
    from workers.viber_listen import viber_loops
    from workers.whatsapp_listen import whatsapp_loops

    settings = _settings()
    serve_metrics(metrics_port, settings.http.host)

    async def run(stop: asyncio.Event) -> None:
        services = await build_services(settings)
        loops: list[Any] = []  # channel issues add their loops here (Telegram polling, IMAP, AMI)
        loops += await telegram_loops(services.jobs, services.box, settings.http.public_url)
        loops += await viber_loops(services.jobs, services.box, settings.http.public_url)
        loops += await whatsapp_loops(services.jobs, services.box)
        loops += await telephony_loops(services, settings)
        loops += await email_loops(services.jobs, services.box)
        loops += await staff_bot_loops(services.jobs, settings.http.public_url)
        if not loops:
            log.info("no inbound loops configured; holding the leader lock for when they are")
        await run_listeners(services.db, loops, services.sink, stop=stop)
        await services.close()

    run_until_signal(run)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8099, show_default=True)
@click.option(
    "--webhook-secret", envvar="OKNO_SANDBOX_WEBHOOK_SECRET", default="sandbox-secret", show_default=True
)
def sandbox(host: str, port: int, webhook_secret: str) -> None:
    """Run the loopback stand-ins (demo and tests only): /receiver for outgoing webhooks, /viber/pa for the
    Viber REST Bot API (auth token sandbox-viber-token)."""
    from sandbox.server import sandbox_app

    web.run_app(sandbox_app(webhook_secret=webhook_secret), host=host, port=port, print=click.echo)


@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="keep the demo's data here")
@click.option("--no-serve", is_flag=True, help="exit after the report instead of serving")
@click.option("--no-assistant", is_flag=True, help="skip the assistant scenario (the local model)")
def demo(data_dir: Path | None, no_serve: bool, no_assistant: bool) -> None:
    """Run the demo scenarios on embedded defaults and print a report."""
    from okno.demo.runner import run_demo

    run_until_signal(
        lambda stop: run_demo(data_dir=data_dir, serve=not no_serve, stop=stop, assistant=not no_assistant)
    )


main.add_command(channel)
main.add_command(staff)
main.add_command(parse)
main.add_command(models)
main.add_command(eval_command)
main.add_command(reindex_command)
main.add_command(calls)
# Data protection (issue 11): backup / restore, and a person's data on request (152-FZ).
main.add_command(backup_command)
main.add_command(restore_command)
main.add_command(privacy)
main.add_command(alerts)
main.add_command(report)  # the requests of a period for Excel
main.add_command(replies)  # saved replies from a spreadsheet
