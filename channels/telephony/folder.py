"""Recordings exported from any PBX into a folder: metadata from a sidecar JSON (same name, .json) or from the
file name (a configurable pattern such as 20261124-101500_from-79161234567_to-201.wav); the audio goes into
the blob store and a generic `call.recording_ready` event into the sink (X-Okno-Provider: folder)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from channels.base import BlobAccess, RawEventSink
from channels.telephony.calls import CHANNEL, PROVIDER_HEADER, e164, is_extension

log = logging.getLogger(__name__)
AUDIO = frozenset({".wav", ".mp3", ".ogg", ".opus", ".flac", ".m4a", ".gsm"})
DONE_FOLDER = "imported"


class NoMetadata(Exception):
    pass


def metadata(path: Path, pattern: str) -> dict[str, Any]:
    sidecar = path.with_suffix(".json")
    if sidecar.is_file():
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise NoMetadata(f"{sidecar.name} is not a JSON object")
        return data
    match = re.search(pattern, path.stem)
    if match is None:
        raise NoMetadata(f"{path.name}: no sidecar JSON and the name does not match the pattern")
    return {k: v for k, v in match.groupdict().items() if v}


def _started(meta: dict[str, Any], tz: ZoneInfo, fallback: datetime) -> datetime:
    if meta.get("started_at"):
        moment = datetime.fromisoformat(str(meta["started_at"]))
        return moment if moment.tzinfo else moment.replace(tzinfo=tz)
    if meta.get("date") and meta.get("time"):
        return datetime.strptime(f"{meta['date']}{meta['time']}", "%Y%m%d%H%M%S").replace(tzinfo=tz)
    return fallback


def _direction(meta: dict[str, Any]) -> str:
    if meta.get("direction") in ("inbound", "outbound", "internal"):
        return str(meta["direction"])
    source, target = meta.get("from_number"), meta.get("to_number")
    if is_extension(source) and e164(target):
        return "outbound"
    return "internal" if is_extension(source) and is_extension(target) else "inbound"


def call_event(meta: dict[str, Any], sha256: str, started: datetime) -> dict[str, Any]:
    direction = _direction(meta)
    operator = meta.get("operator_extension") or (
        meta.get("to_number") if direction == "inbound" else meta.get("from_number")
    )
    return {
        "event": "call.recording_ready",
        "event_id": f"folder:{sha256}",
        "call_id": str(meta.get("call_id") or f"file:{sha256[:32]}"),
        "direction": direction,
        "from": meta.get("from_number"),
        "to": meta.get("to_number"),
        "operator_extension": operator if is_extension(operator) else None,
        "at": started.isoformat(),
        "started_at": started.isoformat(),
        "duration_s": meta.get("duration_s"),
        "recording_url": f"blob:{sha256}",
    }


async def import_file(
    path: Path, *, sink: RawEventSink, blobs: BlobAccess, account: str, pattern: str, tz: ZoneInfo
) -> int:
    """One recording -> blob + RawEvent; the same bytes imported again are a duplicate, not a new call."""
    meta = metadata(path, pattern)
    data = await asyncio.to_thread(path.read_bytes)
    sha256 = await blobs.put(data)
    mtime = datetime.fromtimestamp((await asyncio.to_thread(path.stat)).st_mtime, UTC)
    event = call_event(meta, sha256, _started(meta, tz, mtime))
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = {PROVIDER_HEADER: "folder", "Content-Type": "application/json"}
    return await sink.store(channel=CHANNEL, account=account, headers=headers, body=body)


def recordings_in(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in AUDIO)


class FolderWatchLoop:
    """Polls a folder; a file whose size held still for one interval is imported and moved to imported/."""

    def __init__(
        self,
        folder: Path,
        *,
        blobs: BlobAccess,
        account: str,
        pattern: str,
        tz: ZoneInfo,
        every_s: float = 5.0,
    ) -> None:
        self.name = f"recordings-folder:{folder}"
        self.folder, self.blobs, self.account = folder, blobs, account
        self.pattern, self.tz, self.every_s = pattern, tz, every_s
        self._sizes: dict[Path, int] = {}

    async def scan(self, sink: RawEventSink) -> int:
        imported = 0
        for path in recordings_in(self.folder):
            size = path.stat().st_size
            if self._sizes.get(path) != size:
                self._sizes[path] = size  # still being written, or new: look again next time
                continue
            try:
                await import_file(
                    path, sink=sink, blobs=self.blobs, account=self.account, pattern=self.pattern, tz=self.tz
                )
            except NoMetadata as exc:
                log.warning("recordings folder: %s", exc)
                continue
            done = self.folder / DONE_FOLDER
            done.mkdir(exist_ok=True)
            for companion in (path, path.with_suffix(".json")):
                if companion.exists():
                    companion.rename(done / companion.name)
            self._sizes.pop(path, None)
            imported += 1
        return imported

    async def run(self, sink: RawEventSink) -> None:
        while True:
            try:
                await self.scan(sink)
            except OSError:
                log.warning("recordings folder %s unreadable", self.folder, exc_info=True)
            await asyncio.sleep(self.every_s)
