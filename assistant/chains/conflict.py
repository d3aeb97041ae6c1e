"""Conflict analysis: is the client unhappy with us in this message, with a verified verbatim quote."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.cleaning import strip_email_quotes
from assistant.evidence import verify_quote
from assistant.llm import ChatRunner, Usage
from assistant.prompting import fence, messages
from assistant.schemas import ConflictVerdict

CONTEXT_TURNS = 4  # the last few messages before this one; more costs latency without changing verdicts
CONTEXT_CHARS = 300


@dataclass(frozen=True)
class Turn:
    speaker: str  # client | staff | operator
    text: str


@dataclass
class ConflictResult:
    verdict: ConflictVerdict
    source: str  # the text that was judged (an email without its quoted history)
    evidence: str | None  # an exact substring of source, or None
    evidence_check: str  # exact | repaired | rejected | none
    usage: Usage

    @property
    def alert(self) -> bool:
        """A conflict is alerted only with a quote that stands in the source."""
        return self.verdict.conflict and self.evidence is not None


def source_text(text: str, channel: str) -> str:
    return strip_email_quotes(text) if channel == "email" else text.strip()


def _context(turns: Sequence[Turn]) -> str:
    if not turns:
        return "(none)"
    return "\n".join(f"[{t.speaker}] {fence(t.text[:CONTEXT_CHARS])}" for t in turns[-CONTEXT_TURNS:])


def _checked(verdict: ConflictVerdict, source: str, usage: Usage) -> ConflictResult:
    if not verdict.conflict:
        return ConflictResult(verdict, source, None, "none", usage)
    quote, how = verify_quote(verdict.evidence, source)
    return ConflictResult(verdict, source, quote, how, usage)


async def analyze_conflict(
    runner: ChatRunner, text: str, *, channel: str, context: Sequence[Turn] = ()
) -> ConflictResult:
    source = source_text(text, channel)
    if not source:
        empty = ConflictVerdict(conflict=False, category="none", severity=0, evidence="", reason="empty")
        return ConflictResult(empty, source, None, "none", Usage())
    prompt = messages("conflict", channel=channel, context=_context(context), text=fence(source))
    verdict, usage = await runner.run(ConflictVerdict, prompt, chain="conflict")
    return _checked(verdict, source, usage)


async def bare_conflict(runner: ChatRunner, text: str) -> ConflictResult:
    """The baseline: the same model and schema, a one-line prompt, no context, no cleaning."""
    verdict, usage = await runner.run(
        ConflictVerdict, messages("conflict_bare", text=text), chain="conflict_bare"
    )
    return _checked(verdict, text, usage)
