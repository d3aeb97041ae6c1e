"""`okno parse CHANNEL FILE…`: run saved payloads through a parser, store nothing, one JSON line per file."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import click

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent


def parse_file(
    channel: str, path: Path, headers: Mapping[str, str] | None = None
) -> tuple[dict[str, object], bool]:
    """(the line to print, whether the parser crashed)."""
    from okno.services import parsers

    adapter = parsers()[channel]
    received = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    raw = RawPayload(account="cli", body=path.read_bytes(), headers=dict(headers or {}), received_at=received)
    try:
        messages = adapter.parse(raw)
    except (UnsupportedEvent, AnomalousPayload) as exc:
        return {"file": str(path), "refused": exc.reason}, False
    except Exception as exc:
        return {"file": str(path), "crashed": repr(exc)}, True
    return {"file": str(path), "messages": [m.model_dump(mode="json") for m in messages]}, False


@click.command()
@click.argument("channel_name", metavar="CHANNEL")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--provider",
    default=None,
    help="telephony: which PBX sent the body (generic, twilio, zadarma, mango, asterisk), if it cannot tell",
)
def parse(channel_name: str, files: tuple[Path, ...], provider: str | None) -> None:
    """Parse saved payloads (a Telegram update, a WhatsApp body, an .eml, a PBX webhook) without storing.

    Exit 0 when every file was parsed or refused with a reason; 1 when the parser crashed on any."""
    from okno.services import parsers

    if channel_name not in parsers():
        raise click.BadParameter(
            f"no parser for {channel_name!r} in this build; have: {', '.join(parsers())}"
        )
    crashed = False
    for path in files:
        line, crash = parse_file(channel_name, path, {"X-Okno-Provider": provider} if provider else None)
        crashed |= crash
        click.echo(json.dumps(line, ensure_ascii=False))
    sys.exit(1 if crashed else 0)
