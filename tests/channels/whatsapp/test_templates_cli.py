"""`okno channel templates NAME` over loopback: the stand-in's templates synced onto the account and listed,
usable or not and why; a missing waba_id or Meta's refusal is a clear message and a non-zero exit."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner, Result

from okno.cli import main
from sandbox.whatsapp import GraphApiStandIn
from tests.channels.whatsapp.template_list import TEMPLATE_LIST


async def test_channel_templates_syncs_and_lists(graph: GraphApiStandIn, tmp_path: Path) -> None:
    graph.template_list = TEMPLATE_LIST
    graph.template_page_size = 2
    env = {"OKNO_DATA_DIR": str(tmp_path), "OKNO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/o.db"}

    async def okno(*args: str) -> Result:  # the CLI runs its own event loop; the stand-in serves on ours
        return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env)

    assert (await okno("migrate")).exit_code == 0
    config = [
        "--config",
        f"phone_number_id={graph.phone_number_id}",
        "--config",
        f"graph_url={graph.base_url}",
    ]
    secrets = ["--secret", f"access_token={graph.access_token}", "--secret", "app_secret=s"]
    assert (await okno("channel", "add", "whatsapp", "main", *config, *secrets)).exit_code == 0
    assert (
        await okno("channel", "add", "whatsapp", "other", *config, "--config", "waba_id=42", *secrets)
    ).exit_code == 0

    no_waba = await okno("channel", "templates", "main")
    assert no_waba.exit_code == 1 and "needs config.waba_id" in no_waba.output
    wrong = await okno("channel", "templates", "other")
    assert (
        wrong.exit_code == 1 and "Graph API refused" in wrong.output and "Object with ID '42'" in wrong.output
    )
    missing = await okno("channel", "templates", "nobody")
    assert missing.exit_code == 1 and "no WhatsApp account 'nobody'" in missing.output

    assert (
        await okno(
            "channel", "add", "whatsapp", "real", *config, "--config", f"waba_id={graph.waba_id}", *secrets
        )
    ).exit_code == 0
    synced = await okno("channel", "templates", "real")
    assert synced.exit_code == 0, synced.output
    lines = synced.output.splitlines()
    assert lines[0] == "4 approved templates of 'real', 3 okno can send:"
    assert (
        "invoice_ready:ru\tUTILITY\t3 params (1, 2, 3)\tok\tЗдравствуйте, {{1}}! Счёт № {{2}}"
        in synced.output
    )
    assert "visit_reminder:en_US\tUTILITY\t2 params (first_name, visit_date)\tok" in synced.output
    assert (
        "contract_scan:ru\tUTILITY\t1 params (1)\tcannot send: its header needs a file (DOCUMENT)"
        in synced.output
    )
    assert "old_promo" not in synced.output
    listed = (await okno("channel", "list")).output
    assert "waba_id" in listed and "templates_synced" not in listed  # the list stays readable
