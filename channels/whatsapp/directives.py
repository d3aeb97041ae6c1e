"""What a manager types to send more than text: `/template NAME | param | param` and `/react 👍`.

The Outbox carries text only, so these travel as text and the sender turns them into Graph API calls."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateSend:
    name: str
    parameters: tuple[str, ...] = ()
    language: str | None = None  # "ru", "en_US"; the account's default when None


@dataclass(frozen=True)
class ReactionSend:
    emoji: str  # "" takes a reaction back


def template_directive(text: str | None) -> TemplateSend | None:
    """`/template name` or `/template name:en_US | Иван | 25.11` -> TemplateSend."""
    if not text or not text.startswith("/template"):
        return None
    head, *params = (part.strip() for part in text.removeprefix("/template").split("|"))
    name, _, language = head.partition(":")
    if not name or " " in name:
        return None
    return TemplateSend(name=name, parameters=tuple(p for p in params if p), language=language or None)


def reaction_directive(text: str | None) -> ReactionSend | None:
    if not text or not (text == "/react" or text.startswith("/react ")):
        return None
    return ReactionSend(emoji=text.removeprefix("/react").strip())
