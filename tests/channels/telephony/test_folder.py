"""Recordings dropped into a folder: metadata from the file name pattern or a sidecar JSON, the audio into the
blob store, one call message per recording (a re-import is a duplicate), transcription queued; the watched
folder waits for a file to stop growing; `okno calls import PATH` does the same from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import col, select

from channels.telephony.folder import FolderWatchLoop, NoMetadata, metadata
from okno.calls_cli import calls
from okno.services import Services
from okno.settings import Settings
from storage.models import Call, Message
from tests.channels.telephony.conftest import silent_wav

pytestmark = pytest.mark.storage
PATTERN = Settings().telephony.filename_pattern


def test_metadata_from_the_file_name_and_from_a_sidecar(tmp_path: Path) -> None:
    named = tmp_path / "20261124-101500_from-79161234567_to-201.wav"
    assert metadata(named, PATTERN) == {
        "date": "20261124",
        "time": "101500",
        "from_number": "79161234567",
        "to_number": "201",
    }
    other = tmp_path / "call-17.wav"
    with pytest.raises(NoMetadata):
        metadata(other, PATTERN)
    other.with_suffix(".json").write_text(json.dumps({"from_number": "201", "to_number": "+79161234567"}))
    assert metadata(other, PATTERN)["to_number"] == "+79161234567"


async def _calls(services: Services) -> list[tuple[Message, Call]]:
    async with services.db.session() as session:
        query = (
            select(Message, Call)
            .join(Call, col(Call.message_id) == col(Message.id))
            .order_by(col(Message.id))
        )
        return [(m, c) for m, c in (await session.execute(query)).all()]


async def test_watched_folder_imports_settled_files(services: Services, tmp_path: Path) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "20261124-101500_from-79161234567_to-201.wav").write_bytes(silent_wav(0.5))
    (folder / "export-2.wav").write_bytes(silent_wav(0.7))
    (folder / "export-2.json").write_text(
        json.dumps(
            {"from_number": "202", "to_number": "89031112233", "started_at": "2026-11-24T11:00:00+03:00"}
        )
    )
    (folder / "nameless.wav").write_bytes(silent_wav(0.3))
    loop = FolderWatchLoop(
        folder, blobs=services.jobs.blobs, account="folder", pattern=PATTERN, tz=services.settings.company.tz
    )
    assert await loop.scan(services.sink) == 0  # first sight: sizes noted, nothing imported while it may grow
    assert await loop.scan(services.sink) == 2
    assert sorted(p.name for p in (folder / "imported").iterdir()) == [
        "20261124-101500_from-79161234567_to-201.wav",
        "export-2.json",
        "export-2.wav",
    ]
    assert (folder / "nameless.wav").exists()  # no metadata: left where it is, with a log line
    assert services.inline is not None
    await services.inline.drain()
    # the two ingest jobs run concurrently: either may store its message first
    found = sorted(await _calls(services), key=lambda mc: mc[1].direction)
    assert [(c.direction, c.from_number, c.to_number, c.operator_extension) for _m, c in found] == [
        ("inbound", "79161234567", "201", "201"),
        ("outbound", "202", "89031112233", "202"),
    ]
    assert found[0][1].started_at is not None and found[0][1].started_at.hour == 7  # 10:15 Moscow in UTC
    assert all(c.transcript_status == "silent" and c.recording_sha256 for _m, c in found)


async def test_calls_import_command(services: Services, settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "20261124-120000_from-79161234567_to-203.wav"
    source.write_bytes(silent_wav(0.4))
    env = {"OKNO_DATA_DIR": str(settings.data_dir), "OKNO_DATABASE_URL": settings.effective_database_url}
    runner = CliRunner()
    for _attempt in range(2):
        result = await _invoke(runner, [str(source)], env)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output.splitlines()[0])["file"] == str(source)
    found = await _calls(services)
    assert len(found) == 1 and found[0][1].operator_extension == "203"  # the second import was a duplicate
    assert found[0][1].transcript_status == "silent"
    result = await _invoke(runner, [str(tmp_path / "empty")], env)
    assert result.exit_code != 0


async def _invoke(runner: CliRunner, args: list[str], env: dict[str, str]):  # type: ignore[no-untyped-def]
    import asyncio

    # The command runs its own event loop: give it a thread, as a shell would give it a process.
    return await asyncio.to_thread(runner.invoke, calls, ["import", *args], env=env)


async def test_listen_runs_the_telephony_loops(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    from okno.calls_cli import telephony_loops
    from storage.repos.accounts import add_channel_account

    async with services.db.session() as session:
        config = {"provider": "asterisk", "host": "127.0.0.1", "port": 5038}
        await add_channel_account(
            session,
            box=services.box,
            channel="telephony",
            name="pbx",
            config=config,
            secrets={"ami_secret": "s"},
        )
        await session.commit()
    folder = settings.model_copy(
        update={"telephony": settings.telephony.model_copy(update={"recordings_folder": tmp_path})}
    )
    names = [loop.name for loop in await telephony_loops(services, folder)]
    assert names == ["asterisk-ami:pbx", f"recordings-folder:{tmp_path}", "transcription-sweep"]
