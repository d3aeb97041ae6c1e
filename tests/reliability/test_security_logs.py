"""Secrets never reach the logs: a realistic flow (good and bad deliveries on every webhook, the staff API, a
reply out) against a real `okno serve` process at DEBUG level, its stderr grepped for every configured secret,
token and key; the same flow in-process with caplog."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from channels.telegram.routes import SECRET_HEADER
from channels.whatsapp.verify import SIGNATURE_HEADER
from channels.whatsapp.verify import sign as sign_body
from storage.crypto import SecretBox
from storage.db import Database
from storage.migrate import upgrade
from storage.repos.accounts import add_channel_account, add_staff

KEY = SecretBox.new_key()
API_TOKEN, STAFF_TOKEN = "api-token-Zq81", "staff-token-Xw55"
TG = {"bot_token": "123:AAAsecretbot77", "webhook_secret": "tg-secret-Lp02"}
WA = {"app_secret": "wa-app-secret-Kd93", "verify_token": "wa-verify-Mm11", "access_token": "wa-access-Qq04"}
ALL_SECRETS = [KEY, API_TOKEN, STAFF_TOKEN, *TG.values(), *WA.values(), "receiver-secret-Hh61"]


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _install(data_dir: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{data_dir / 'okno.db'}")
    await upgrade(db)
    box = SecretBox(KEY)
    async with db.session() as session:
        receiver = {"webhook_url": "http://127.0.0.1:9/hook"}
        api = {"inbound_token": API_TOKEN, "webhook_secret": "receiver-secret-Hh61"}
        await add_channel_account(session, box=box, channel="api", name="site", config=receiver, secrets=api)
        await add_channel_account(session, box=box, channel="telegram", name="bot", config={}, secrets=TG)
        await add_channel_account(session, box=box, channel="whatsapp", name="wa", config={}, secrets=WA)
        await add_staff(session, name="Анна", role="manager", api_token=STAFF_TOKEN)
        await session.commit()
    await db.dispose()


async def _flow(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        body = {"event_id": "s1", "sender": {"id": "u1", "phone": "+79161234567"}, "text": "Добрый день"}
        for token in (API_TOKEN, "wrong-token"):
            await http.post(f"{url}/api/v1/inbound", json=body, headers={"Authorization": f"Bearer {token}"})
        update = {"update_id": 5, "message": {"message_id": 1, "date": 1795503600, "text": "hi"}}
        for secret in (TG["webhook_secret"], "wrong"):
            await http.post(f"{url}/telegram/bot/webhook", json=update, headers={SECRET_HEADER: secret})
        raw = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
        for secret in (WA["app_secret"], "wrong"):
            headers = {SIGNATURE_HEADER: sign_body(secret, raw), "Content-Type": "application/json"}
            await http.post(f"{url}/whatsapp/wa/webhook", data=raw, headers=headers)
        query = {"hub.mode": "subscribe", "hub.verify_token": WA["verify_token"], "hub.challenge": "42"}
        await http.get(f"{url}/whatsapp/wa/webhook", params=query)
        await asyncio.sleep(1.0)  # let ingest run
        staff = {"Authorization": f"Bearer {STAFF_TOKEN}"}
        async with http.get(f"{url}/api/v1/requests", headers=staff) as response:
            requests = (await response.json()).get("requests", [])
        for request in requests:  # the reply goes out (to a closed port: retried, logged)
            await http.post(
                f"{url}/api/v1/requests/{request['id']}/reply", json={"text": "ok"}, headers=staff
            )
        await asyncio.sleep(1.0)


def _leaks(text: str) -> list[str]:
    return [secret for secret in ALL_SECRETS if secret in text]


async def test_okno_serve_logs_no_secret(tmp_path: Path) -> None:
    await _install(tmp_path)
    port = _port()
    env = {**os.environ, "OKNO_DATA_DIR": str(tmp_path), "OKNO_SECRET_KEY": KEY, "OKNO_LOG_LEVEL": "DEBUG"}
    env |= {"OKNO_QUEUE__SWEEP_MIN_AGE_S": "0", "OKNO_QUEUE__SWEEP_INTERVAL_S": "0.5"}
    command = [sys.executable, "-m", "okno", "serve", "--port", str(port)]
    with (tmp_path / "serve.log").open("w") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603, ASYNC220
    try:
        for _ in range(300):  # imports take a while on a loaded machine
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
                await asyncio.sleep(0.2)
        await _flow(f"http://127.0.0.1:{port}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    output = (tmp_path / "serve.log").read_text()
    assert "refused" in output  # the bad deliveries were logged …
    assert _leaks(output) == [], output[-3000:]  # … without any secret


async def test_in_process_flow_logs_no_secret(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from okno.app import build_app
    from okno.services import build_services
    from okno.settings import load_settings
    from tests.conftest import start_app

    await _install(tmp_path)
    caplog.set_level("DEBUG")
    settings = load_settings(
        data_dir=tmp_path, secret_key=KEY, queue={"backend": "inline", "sweep_min_age_s": 0}
    )
    services = await build_services(settings)
    runner, url = await start_app(build_app(services, sweep=False))
    try:
        await _flow(url)  # the reply's retries to a closed port keep going: not drained, cancelled
    finally:
        await runner.cleanup()
        await services.close()
    text = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    assert "refused" in text and _leaks(text) == []
