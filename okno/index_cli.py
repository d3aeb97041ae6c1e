"""`okno reindex`: the stored history into the assistant's retrieval index."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import click

from okno.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:  # the index and its models load only when the command runs
    from workers.indexing import Reindexed


@click.command("reindex")
@click.option("--client", "client_id", type=int, default=None, help="only this client's messages")
@click.option("--fresh", is_flag=True, help="drop the index first (after a change of OKNO_LLM__EMBEDDING)")
def reindex_command(client_id: int | None, fresh: bool) -> None:
    """Put the stored messages and call transcripts into the retrieval index: the history from before the
    assistant was enabled, or all of it again after a change of embedding model. Safe beside running
    workers and to run again after an interruption (entries are replaced by id)."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    if fresh and client_id is not None:
        raise click.UsageError("--fresh rebuilds the whole index: leave out --client")
    done = asyncio.run(_reindex(settings, client_id, fresh))
    rate = done.items / done.seconds if done.seconds else 0.0
    click.echo(
        f"indexed {done.messages} messages as {done.items} entries in {done.seconds:.1f} s "
        f"({rate:.0f} entries/s, embedding {settings.llm.embedding})"
    )
    if not settings.llm.enabled:
        click.echo("the assistant is off (OKNO_LLM__ENABLED): new messages are indexed once on", err=True)


async def _reindex(settings: Settings, client_id: int | None, fresh: bool) -> Reindexed:
    from assistant.rag import index_from
    from storage.db import Database
    from workers.indexing import reindex

    index = await asyncio.to_thread(index_from, settings.llm, settings.data_dir)
    if fresh:
        await asyncio.to_thread(index.clear)

    def progress(so_far: Reindexed) -> None:
        click.echo(f"… {so_far.messages} messages, {so_far.items} entries, {so_far.seconds:.0f} s", err=True)

    db = Database(settings.effective_database_url)
    try:
        return await reindex(db, index, settings.company.tz, client_id=client_id, progress=progress)
    finally:
        await db.dispose()
