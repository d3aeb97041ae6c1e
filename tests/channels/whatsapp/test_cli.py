"""`okno parse whatsapp FILE…` on every corpus file and every fixture: one JSON line each, no crash."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from okno.cli import main
from tests.corpus import corpus_files

FIXTURES = sorted(Path(__file__).with_name("fixtures").glob("*.json"))


def test_parse_cli_on_the_corpus_and_fixtures() -> None:
    files = [*corpus_files("whatsapp/*.json"), *FIXTURES]
    result = CliRunner().invoke(main, ["parse", "whatsapp", *map(str, files)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [line["file"] for line in lines] == [str(f) for f in files]
    assert not any("crashed" in line for line in lines)
    parsed = [m for line in lines for m in line.get("messages", [])]
    assert {m["kind"] for m in parsed} >= {"text", "media", "reaction", "edit", "status", "system"}
