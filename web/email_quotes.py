"""An email's quoted history, folded away in the timeline: what the sender wrote now stays in view.

Where the quote begins is intake's rule (intake.email_quotes): the page, the models and the rating
agree."""

from __future__ import annotations

from intake.email_quotes import strip_email_quotes


def split_quoted(text: str) -> tuple[str, str]:
    """(fresh, quoted): quoted is "" when nothing was quoted; the whole text when the quote came first."""
    whole = text.strip()
    fresh = strip_email_quotes(whole)
    if fresh == whole:
        return whole, ""
    if fresh and whole.startswith(fresh):
        return fresh, whole[len(fresh) :].strip()
    return fresh, whole  # interleaved quotes: the full text stays one click away
