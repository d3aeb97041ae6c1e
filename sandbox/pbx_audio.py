"""Call audio made on the spot, as a PBX would record it: Russian speech from festival + festvox-ru, English
from espeak-ng, turns mixed by sox into a stereo call (operator left, client right, the other side silent)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

RUSSIAN_VOICE = "(voice_msu_ru_nsh_clunits)"


def _run(*args: str) -> None:
    tool = shutil.which(args[0])
    if tool is None:
        raise FileNotFoundError(
            f"{args[0]} is not installed (scripts/apt-packages.txt; run scripts/setup.sh)"
        )
    subprocess.run([tool, *args[1:]], check=True, capture_output=True)  # noqa: S603 (fixed tools, own files)


def say_russian(text: str, out: Path) -> Path:
    source = out.with_suffix(".txt")
    source.write_text(text, encoding="utf-8")
    _run("text2wave", "-eval", RUSSIAN_VOICE, str(source), "-o", str(out))
    return out


def say_english(text: str, out: Path) -> Path:
    _run("espeak-ng", "-w", str(out), text)
    return out


def stereo_call(turns: list[tuple[str, Path]], out: Path, gap_s: float = 0.6) -> Path:
    """Turns in order, each on its speaker's channel ("operator" left, "client" right), 16 kHz 16-bit."""
    work = out.parent / f".{out.stem}-parts"
    work.mkdir(parents=True, exist_ok=True)
    left: list[str] = []
    right: list[str] = []
    for index, (speaker, clip) in enumerate(turns):
        voice, quiet = work / f"turn{index}.wav", work / f"quiet{index}.wav"
        _run("sox", str(clip), "-r", "16000", "-c", "1", "-b", "16", str(voice), "pad", "0", str(gap_s))
        _run("sox", str(voice), str(quiet), "vol", "0")
        left.append(str(voice if speaker == "operator" else quiet))
        right.append(str(quiet if speaker == "operator" else voice))
    _run("sox", *left, str(work / "left.wav"))
    _run("sox", *right, str(work / "right.wav"))
    _run("sox", "-M", str(work / "left.wav"), str(work / "right.wav"), str(out))
    shutil.rmtree(work)
    return out


def russian_call(turns: list[tuple[str, str]], out: Path) -> Path:
    """[(speaker, Russian text)] -> a stereo call file."""
    clips = [
        (speaker, say_russian(text, out.parent / f"{out.stem}-say{i}.wav"))
        for i, (speaker, text) in enumerate(turns)
    ]
    try:
        return stereo_call(clips, out)
    finally:
        for _speaker, clip in clips:
            clip.unlink(missing_ok=True)
            clip.with_suffix(".txt").unlink(missing_ok=True)
