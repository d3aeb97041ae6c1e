"""What a manager types to send more than text: `/template NAME | param | param` and `/react 👍`.

The Outbox carries text only, so these travel as text and the sender turns them into Graph API calls."""

from __future__ import annotations

import re
from dataclasses import dataclass

# `name=value`: a named parameter (Meta's names are lowercase letters, digits and underscores).
NAMED = re.compile(r"^([a-z_][a-z0-9_]*)=(.+)$", re.DOTALL)


@dataclass(frozen=True)
class TemplateSend:
    name: str
    parameters: tuple[str, ...] = ()
    language: str | None = None  # "ru", "en_US"; the account's default when None
    names: tuple[str, ...] = ()  # a template with named parameters: each value's parameter_name


@dataclass(frozen=True)
class ReactionSend:
    emoji: str  # "" takes a reaction back


def template_directive(text: str | None) -> TemplateSend | None:
    """`/template name` or `/template name:en_US | Иван | 25.11` -> TemplateSend; `| first_name=Иван` when
    every parameter is written so: a template with named parameters."""
    if not text or not text.startswith("/template"):
        return None
    head, *params = (part.strip() for part in text.removeprefix("/template").split("|"))
    name, _, language = head.partition(":")
    if not name or " " in name:
        return None
    values = [p for p in params if p]
    named = [m for p in values if (m := NAMED.match(p))]
    if values and len(named) == len(values):
        return TemplateSend(
            name=name,
            parameters=tuple(m.group(2).strip() for m in named),
            language=language or None,
            names=tuple(m.group(1) for m in named),
        )
    return TemplateSend(name=name, parameters=tuple(values), language=language or None)


def reaction_directive(text: str | None) -> ReactionSend | None:
    if not text or not (text == "/react" or text.startswith("/react ")):
        return None
    return ReactionSend(emoji=text.removeprefix("/react").strip())
