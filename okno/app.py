"""The aiohttp application: health, metrics, channel webhooks (with the RawEventSink injected), staff API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from bots.staff import webhook as staff_bot
from channels.api import routes as api_channel
from channels.telegram import routes as telegram_channel
from channels.telephony import routes as telephony_channel
from channels.viber import routes as viber_channel
from channels.whatsapp import routes as whatsapp_channel
from okno.services import Services
from web import api as staff_api
from web import public_files
from web import ui as staff_ui
from workers.retention import retention_forever
from workers.sweeper import sweep_forever

log = logging.getLogger(__name__)
SERVICES = web.AppKey("okno_services", Services)


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        async with services.db.session() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        return web.json_response({"status": "unavailable", "database": repr(exc)}, status=503)
    return web.json_response({"status": "ok"})


async def metrics(_request: web.Request) -> web.Response:
    response = web.Response(body=generate_latest())
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response


def build_app(services: Services, *, sweep: bool = True) -> web.Application:
    """`sweep`: with the inline backend this process also runs the sweeper (arq workers run it otherwise)."""
    settings = services.settings
    app = web.Application(client_max_size=settings.http.max_body_bytes, middlewares=[staff_api.staff_auth])
    app[SERVICES] = services
    app[staff_api.DB] = services.db
    app[staff_api.QUEUE] = services.queue
    app[staff_api.BLOBS] = services.jobs.blobs
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.add_routes(
        api_channel.routes(
            sink=services.sink, accounts=services.accounts, max_body_bytes=settings.http.max_body_bytes
        )
    )
    app.add_routes(
        whatsapp_channel.routes(
            sink=services.sink, accounts=services.accounts, max_body_bytes=settings.http.max_body_bytes
        )
    )
    app.add_routes(
        viber_channel.routes(
            sink=services.sink, accounts=services.accounts, max_body_bytes=settings.http.max_body_bytes
        )
    )
    app.add_routes(
        telegram_channel.routes(
            sink=services.sink, accounts=services.accounts, max_body_bytes=settings.http.max_body_bytes
        )
    )
    app.add_routes(
        telephony_channel.routes(
            sink=services.sink, accounts=services.accounts, max_body_bytes=settings.http.max_body_bytes
        )
    )
    app.add_routes(staff_bot.routes(services.jobs))  # the staff bot: its own webhook, never through intake
    app.add_routes(staff_api.routes())
    if services.jobs.links is not None:  # files Viber fetches by URL
        app.add_routes(public_files.routes(services.jobs.links, services.jobs.blobs))
    staff_ui.mount(app, services)
    if sweep and services.inline is not None:
        app.cleanup_ctx.append(_inline_sweeper)
        app.cleanup_ctx.append(_inline_retention)
    return app


async def _inline_sweeper(app: web.Application) -> AsyncIterator[None]:
    services = app[SERVICES]
    task = asyncio.create_task(sweep_forever(services.jobs, services.settings.queue.sweep_interval_s))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _inline_retention(app: web.Application) -> AsyncIterator[None]:
    """152-FZ retention in a single-box install (arq workers run it as a cron job otherwise)."""
    services = app[SERVICES]
    task = asyncio.create_task(retention_forever(services.jobs, services.settings.retention.interval_s))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
