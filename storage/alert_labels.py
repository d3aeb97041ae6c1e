"""What an alert is, in words for people (Russian and English); the stored `kind` and `category` stay codes.
The conflict categories are assistant/schemas.py's CATEGORIES (a test keeps the two lists the same)."""

from __future__ import annotations

KIND_LABELS: dict[str, tuple[str, str]] = {
    "conflict": ("конфликт", "conflict"),
    "sla_breach": ("нет ответа дольше срока SLA", "waiting past the SLA"),
    "overdue_task": ("просрочена задача", "overdue task"),
    "missed_call": ("пропущенный звонок", "missed call"),
}
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "dissatisfaction": ("недовольство", "dissatisfaction"),
    "missed_deadline": ("сорван срок", "missed deadline"),
    "quality_claim": ("претензия к качеству", "quality claim"),
    "payment_dispute": ("спор по оплате", "payment dispute"),
    "churn_threat": ("угроза уйти", "threat to leave"),
    "legal_threat": ("угроза суда", "legal threat"),
    "rudeness": ("грубость", "rudeness"),
    "escalation_request": ("требует руководителя", "asks for a manager"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def category_label(category: str | None, lang: str = "ru") -> str:
    """A conflict's category in words; an unknown code as it is, none as "—"."""
    if not category:
        return "—"
    pair = CATEGORY_LABELS.get(category)
    return _pick(pair, lang) if pair else category


def alert_label(kind: str, category: str | None, lang: str = "ru") -> str:
    """What to call an alert: a conflict's category, else its kind (an SLA alert's "first_response" is a
    detail of its kind, not a name for people)."""
    if category in CATEGORY_LABELS:
        return category_label(category, lang)
    pair = KIND_LABELS.get(kind)
    return _pick(pair, lang) if pair else kind
