"""Every user-facing text of the email channel, Russian by default, English available."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "forwarded": "---------- Пересланное сообщение ----------",
        "from": "От",
        "date": "Дата",
        "subject": "Тема",
        "invite": "Приглашение",
        "invite_when": "Когда",
        "invite_where": "Где",
        "too_big": "Вложение «{name}» ({size}) не сохранено: больше лимита {limit}",
        "no_subject": "Ответ на ваше обращение",
        "reply_prefix": "Re: ",
        "bounce": "Письмо не доставлено",
        "auto_reply": "Автоответ",
        "demo_no_dovecot": "[email] без IMAP-сервера: сырые письма идут через тот же sink, что и IMAP-цикл",
    },
    "en": {
        "forwarded": "---------- Forwarded message ----------",
        "from": "From",
        "date": "Date",
        "subject": "Subject",
        "invite": "Invitation",
        "invite_when": "When",
        "invite_where": "Where",
        "too_big": "Attachment “{name}” ({size}) not kept: over the {limit} limit",
        "no_subject": "Re: your request",
        "reply_prefix": "Re: ",
        "bounce": "Message not delivered",
        "auto_reply": "Auto-reply",
        "demo_no_dovecot": "[email] no IMAP server: raw mail goes through the same sink the IMAP loop uses",
    },
}
LANG = "ru"


def t(key: str, lang: str = LANG, **values: object) -> str:
    return TEXTS.get(lang, TEXTS["ru"])[key].format(**values)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} Б"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} КБ"
    return f"{size / 1024 / 1024:.1f} МБ"
