"""Prompt files (prompts/<chain>.system.md + .user.md) and the fences that keep client text as data."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

PROMPTS = Path(__file__).parent / "prompts"


@cache
def prompt(chain: str, part: str) -> str:
    return (PROMPTS / f"{chain}.{part}.md").read_text(encoding="utf-8").strip()


def fence(text: str) -> str:
    """Client text inside <message>…</message>: a closing tag it carries cannot end the fence early."""
    return text.replace("</", "< /").strip()


_FENCE = re.compile(r"<\s*/?\s*message>")


def unfence(text: str) -> str:
    """A model's answer without the <message> fences it copied from the prompt (not anyone's words)."""
    return _FENCE.sub("", text).strip()


def messages(chain: str, **values: str) -> list[BaseMessage]:
    """The fixed system prompt first (llama.cpp keeps that prefix cached), then the filled user template."""
    from langchain_core.messages import HumanMessage, SystemMessage  # lazily: see assistant/llm.py

    return [SystemMessage(prompt(chain, "system")), HumanMessage(prompt(chain, "user").format(**values))]
