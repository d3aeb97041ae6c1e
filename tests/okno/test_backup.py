"""The restore drill: an install with requests, a client, a blob, a vector index and encrypted channel secrets
is backed up, restored into an empty install, and the restored one answers the same staff API queries; a
damaged backup or a non-empty target is refused with the reason, before anything is written."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from click.testing import CliRunner

from okno.app import build_app
from okno.backup import MANIFEST, BackupError, backup
from okno.cli import main
from okno.restore import restore
from okno.services import build_services
from okno.settings import Settings
from storage.embeddings import StaticEmbedding
from storage.scratch import scratch_postgres
from storage.vectors import ChromaIndex, IndexedText, collection_name
from tests.conftest import ON_POSTGRES, PG_ADMIN, Live, make_settings, start_app
from tests.factories import api_body

pytestmark = pytest.mark.storage
QUERIES = ("/api/v1/requests", "/api/v1/requests?status=new")


@pytest.fixture
async def empty_db_url(tmp_path: Path) -> AsyncIterator[str]:
    """A second, empty database for the restored install."""
    if not ON_POSTGRES:
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'okno.db'}"
        return
    async with scratch_postgres(PG_ADMIN, prefix="okno_restore") as url:
        yield url


async def _get(http: aiohttp.ClientSession, url: str, token: str) -> Any:
    async with http.get(url, headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def _answers(http: aiohttp.ClientSession, url: str, token: str, client_id: int) -> dict[str, Any]:
    paths = [*QUERIES, f"/api/v1/clients/{client_id}"]
    return {path: await _get(http, url + path, token) for path in paths}


async def _fill(live: Live) -> tuple[int, str]:
    texts = [
        "Это ООО «Ромашка», ИНН 7707083893. Нужен акт сверки к 15 декабря.",
        "И копия договора, пожалуйста",
    ]
    for number, text in enumerate(texts):
        body = api_body(f"b{number}", text=text, sent_at="2026-11-24T10:00:00+03:00")
        async with live.http.post(f"{live.url}/api/v1/inbound", json=body, headers=live.api_headers()) as r:
            assert r.status == 202
    await live.drain()
    blob = await live.services.jobs.blobs.put(b"%PDF-1.4 signed contract")
    [request] = (await _get(live.http, f"{live.url}/api/v1/requests", live.staff_token))["requests"]
    return int(request["client_id"]), blob


def _index(settings: Settings) -> ChromaIndex:
    chroma = settings.data_dir / "chroma"
    return ChromaIndex(embedding=StaticEmbedding(), path=chroma, collection=collection_name("static"))


async def test_restored_install_answers_the_same_queries(
    live: Live, settings: Settings, tmp_path: Path, empty_db_url: str
) -> None:
    client_id, blob = await _fill(live)
    _index(settings).add([IndexedText("message:1", "акт сверки с Ромашкой", {"client_id": client_id})])
    before = await _answers(live.http, live.url, live.staff_token, client_id)
    manifest = await backup(settings, tmp_path / "backup")
    assert manifest["database"]["kind"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert {f["path"].split("/")[0] for f in manifest["files"]} == {"blobs", "chroma", "secret.key"}
    assert manifest["alembic_revision"] and manifest["okno_version"]

    target = make_settings(tmp_path / "restored", empty_db_url, queue={"backend": "inline"})
    await restore(target, tmp_path / "backup")
    restored = await build_services(target)
    runner, url = await start_app(build_app(restored, sweep=False))
    try:
        async with aiohttp.ClientSession() as http:
            assert await _answers(http, url, live.staff_token, client_id) == before
        assert await restored.jobs.blobs.get(blob) == b"%PDF-1.4 signed contract"
        account = await restored.accounts.by_token(
            "api", live.api_token
        )  # the key came along: secrets decrypt
        assert account is not None and account.name == "site"
    finally:
        await runner.cleanup()
        await restored.close()
    [hit] = _index(target).search("акт сверки", where={"client_id": client_id}, k=1)
    assert hit.id == "message:1"


async def test_damaged_or_misdirected_restores_are_refused(
    live: Live, settings: Settings, tmp_path: Path, empty_db_url: str
) -> None:
    await _fill(live)
    await backup(settings, tmp_path / "backup")
    with pytest.raises(BackupError, match="not empty"):
        await backup(settings, tmp_path / "backup")
    with pytest.raises(BackupError, match="not empty"):
        await restore(settings, tmp_path / "backup")  # into the live install itself: never overwritten
    manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text())
    blob = tmp_path / "backup" / manifest["files"][0]["path"]
    blob.write_bytes(blob.read_bytes() + b"!")
    target = make_settings(tmp_path / "restored", empty_db_url)
    with pytest.raises(BackupError, match="damaged"):
        await restore(target, tmp_path / "backup")
    assert not (target.data_dir / "blobs").exists()  # checked before anything was written


def test_backup_and_restore_commands(tmp_path: Path) -> None:
    """The CLI end to end on SQLite: migrate, back up, restore elsewhere, and a second restore refused."""
    first = {"OKNO_DATA_DIR": str(tmp_path / "one"), "OKNO_LOG_LEVEL": "WARNING"}
    second = {"OKNO_DATA_DIR": str(tmp_path / "two"), "OKNO_LOG_LEVEL": "WARNING"}
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"], env=first).exit_code == 0
    done = runner.invoke(main, ["backup", str(tmp_path / "b")], env=first)
    assert done.exit_code == 0 and "sqlite (sqlite3 online backup API)" in done.output
    done = runner.invoke(main, ["restore", str(tmp_path / "b")], env=second)
    assert done.exit_code == 0 and "restored" in done.output, done.output
    assert (tmp_path / "two" / "okno.db").is_file()
    again = runner.invoke(main, ["restore", str(tmp_path / "b")], env=second)
    assert again.exit_code == 1 and "not empty" in again.output
