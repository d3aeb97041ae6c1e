"""`okno sandbox`: every stand-in under one aiohttp server, each on its own path prefix."""

from __future__ import annotations

from aiohttp import web

from sandbox.webhook_receiver import WebhookReceiver

RECEIVER = web.AppKey("receiver", WebhookReceiver)


def sandbox_app(*, webhook_secret: str) -> web.Application:
    app = web.Application()
    receiver = WebhookReceiver(secret=webhook_secret)
    app[RECEIVER] = receiver
    app.add_subapp("/receiver/", receiver.app())
    return app
