"""`okno sandbox`: every stand-in under one aiohttp server, each on its own path prefix."""

from __future__ import annotations

from aiohttp import web

from sandbox.viber import ViberApiStandIn
from sandbox.webhook_receiver import WebhookReceiver

RECEIVER = web.AppKey("receiver", WebhookReceiver)
VIBER = web.AppKey("viber", ViberApiStandIn)


def sandbox_app(*, webhook_secret: str, viber_token: str = "sandbox-viber-token") -> web.Application:  # noqa: S107
    """`viber_token`: the auth token a viber account's `api_url=<sandbox>/viber/pa` is checked against."""
    app = web.Application()
    receiver = WebhookReceiver(secret=webhook_secret)
    app[RECEIVER] = receiver
    app.add_subapp("/receiver/", receiver.app())
    viber = ViberApiStandIn(auth_token=viber_token)
    app[VIBER] = viber
    app.add_subapp("/viber/", viber.app())
    return app
