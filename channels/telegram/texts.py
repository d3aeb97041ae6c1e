"""Texts the Telegram parser writes into stored messages (Russian by default, English available)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "forwarded": "↪ Переслано от {origin}",
        "hidden_user": "скрытого пользователя {name}",
        "location": "📍 Геопозиция: {lat:.6f}, {lon:.6f}",
        "venue": "📍 {title}, {address}",
        "contact": "👤 Контакт: {name} {phone}",
        "button": "Нажата кнопка: {data}",
        "blocked": "Клиент заблокировал бота",
        "unblocked": "Клиент разблокировал бота",
        "member": "Статус бота в чате: {old} → {new}",
        "join_request": "Заявка на вступление в чат от {name}",
        "service": "Служебное сообщение: {what}",
        "channel_post": "Пост в канале: {text}",
        "not_modelled": "Сообщение вида «{what}» (не поддерживается)",
    },
    "en": {
        "forwarded": "↪ Forwarded from {origin}",
        "hidden_user": "hidden user {name}",
        "location": "📍 Location: {lat:.6f}, {lon:.6f}",
        "venue": "📍 {title}, {address}",
        "contact": "👤 Contact: {name} {phone}",
        "button": "Button pressed: {data}",
        "blocked": "The client blocked the bot",
        "unblocked": "The client unblocked the bot",
        "member": "Bot status in the chat: {old} → {new}",
        "join_request": "Join request from {name}",
        "service": "Service message: {what}",
        "channel_post": "Channel post: {text}",
        "not_modelled": "A «{what}» message (not supported)",
    },
}
LANGUAGE = "ru"


def say(key: str, **values: object) -> str:
    return TEXTS[LANGUAGE][key].format(**values)
