"""`okno parse viber FILE…` on every fixture (one JSON line each, no crash) and `okno channel add viber`
asking for what a bot cannot work without."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from okno.admin_cli import missing_settings
from okno.cli import main

FIXTURES = sorted(Path(__file__).with_name("fixtures").glob("*.json"))


def test_parse_cli_on_every_fixture() -> None:
    result = CliRunner().invoke(main, ["parse", "viber", *map(str, FIXTURES)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [line["file"] for line in lines] == [str(f) for f in FIXTURES]
    assert not any("crashed" in line for line in lines)
    parsed = [m for line in lines for m in line.get("messages", [])]
    assert {m["kind"] for m in parsed} == {"text", "media", "status", "system"}
    assert sum("refused" in line for line in lines) == 6  # 3 unsupported, 3 malformed fixtures


def test_a_bot_needs_its_token_and_a_sender_name() -> None:
    assert missing_settings("viber", {}, {}) == ["--config sender_name=…", "--secret auth_token=…"]
    assert missing_settings("viber", {"sender_name": "ООО Ромашка"}, {"auth_token": "t"}) == []


def test_channel_add_says_what_is_missing(tmp_path: Path) -> None:
    env = {"OKNO_DATA_DIR": str(tmp_path), "OKNO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/o.db"}
    result = CliRunner().invoke(
        main, ["channel", "add", "viber", "main", "--config", "sender_name=Ромашка"], env=env
    )
    assert result.exit_code == 2
    assert "a viber account needs --secret auth_token=… (see channels/viber/README.md)" in result.output
