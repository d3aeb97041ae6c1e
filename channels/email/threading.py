"""Email threading: the request token okno puts in subjects, subject normalization, conversation keys.

Order (DESIGN.md): the thread root from References / In-Reply-To, else the request token in the subject,
else the sender + normalized subject for a reply that lost its headers, else the message's own Message-ID."""

from __future__ import annotations

import hashlib
import re

TOKEN_FORMAT = "R-{request_id}"  # noqa: S105 (a subject token, not a secret)
TOKEN_RE = re.compile(r"\[#\s*(R-\d{1,12})\s*\]", re.IGNORECASE)
# Reply and forward prefixes of common mail programs (English, Russian, German, Nordic, Outlook's "RE:").
PREFIX_RE = re.compile(
    r"^\s*(?:re|fwd?|aw|sv|vs|wg|tr|ответ|отв|пересл|пересылка)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*",
    re.IGNORECASE,
)
KEY_MAX = 255


def format_token(request_id: int) -> str:
    """The token as it appears in a subject: `[#R-1042]`."""
    return f"[#{TOKEN_FORMAT.format(request_id=request_id)}]"


def find_token(subject: str | None) -> str | None:
    """`R-1042` from a subject carrying `[#R-1042]`, else None."""
    match = TOKEN_RE.search(subject or "")
    return match.group(1).upper() if match else None


def request_id_of(token: str) -> int | None:
    number = token.rpartition("-")[2]
    return int(number) if number.isdigit() else None


def strip_prefixes(subject: str) -> tuple[str, bool]:
    """The subject without Re:/Fwd:/Ответ: prefixes, and whether there were any."""
    stripped, had = subject, False
    while True:
        shorter = PREFIX_RE.sub("", stripped, count=1)
        if shorter == stripped:
            return stripped.strip(), had
        stripped, had = shorter, True


def normalize_subject(subject: str | None) -> str:
    """What two subjects of one thread share: no prefixes, no token, case and spacing folded."""
    text = TOKEN_RE.sub(" ", subject or "")
    text, _ = strip_prefixes(text)
    return " ".join(text.split()).casefold()


def is_reply_subject(subject: str | None) -> bool:
    return strip_prefixes(TOKEN_RE.sub(" ", subject or "").strip())[1]


def subject_key(sender_email: str, subject: str | None) -> str:
    """The fallback thread of a reply without threading headers: one sender, one normalized subject."""
    digest = hashlib.sha256(f"{sender_email.lower()}\n{normalize_subject(subject)}".encode()).hexdigest()
    return f"subject:{digest[:32]}"


def fit_key(key: str) -> str:
    """Keys are at most 255 characters; a longer Message-ID is replaced by its hash."""
    if len(key) <= KEY_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", errors="surrogateescape")).hexdigest()


def conversation_key(
    *,
    references: tuple[str, ...],
    in_reply_to: str | None,
    subject: str | None,
    sender_email: str | None,
    own_id: str,
) -> str:
    if references:
        return fit_key(references[0])
    if in_reply_to:
        return fit_key(in_reply_to)
    token = find_token(subject)
    if token:
        return f"token:{token}"
    if sender_email and is_reply_subject(subject) and normalize_subject(subject):
        return subject_key(sender_email, subject)
    return fit_key(own_id)
