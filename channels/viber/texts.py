"""Every text this channel shows to people or writes into a message, in Russian (default) and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "unsubscribed": (
            "Клиент отписался от бота Viber: Viber не пропустит сообщение. Ответьте по другому каналу "
            "или дождитесь, пока клиент снова напишет боту."
        ),
        "not_registered": "Получатель больше не пользуется Viber ({detail})",
        "rate_limited": "Viber ограничил частоту отправки ({detail}); повторим позже",
        "refused": "Viber отказал в отправке: {detail}",
        "bad_token": "Viber не принял токен бота ({detail}): проверьте секрет auth_token аккаунта",
        "no_webhook": (
            "Viber не отправляет сообщения, пока боту не задан вебхук ({detail}): "
            "запустите okno listen с OKNO_HTTP__PUBLIC_URL или задайте вебхук вручную"
        ),
        "file_only_in_okno": (
            "Viber берёт файлы только по публичной ссылке, а у okno нет публичного адреса "
            "для файла «{name}»: задайте OKNO_HTTP__PUBLIC_URL или отправьте файл по другому каналу"
        ),
        "nothing_to_send": "нечего отправлять: нет ни текста, ни файлов",
        "location": "Местоположение: {lat}, {lon}",
        "contact": "Контакт: {name} {phone}",
        "sticker": "[стикер]",
        "subscribed": "Клиент подписался на бота Viber",
        "unsubscribed_event": (
            "Клиент отписался от бота Viber: писать ему в Viber нельзя, пока он не напишет сам"
        ),
        "conversation_started": "Клиент открыл чат с ботом Viber",
        "conversation_context": "Клиент открыл чат с ботом Viber по ссылке с параметром «{context}»",
    },
    "en": {
        "unsubscribed": (
            "The client unsubscribed from the Viber bot, so Viber refuses messages to them. Answer on "
            "another channel or wait until the client writes to the bot again."
        ),
        "not_registered": "The recipient no longer uses Viber ({detail})",
        "rate_limited": "Viber rate limit hit ({detail}); will retry",
        "refused": "Viber refused the send: {detail}",
        "bad_token": "Viber did not accept the bot's token ({detail}): check the account's auth_token secret",
        "no_webhook": (
            "Viber sends nothing until the bot has a webhook ({detail}): run okno listen with "
            "OKNO_HTTP__PUBLIC_URL or set the webhook by hand"
        ),
        "file_only_in_okno": (
            "Viber only takes files by a public URL, and okno has no public address for '{name}': set "
            "OKNO_HTTP__PUBLIC_URL or send the file on another channel"
        ),
        "nothing_to_send": "nothing to send: no text and no files",
        "location": "Location: {lat}, {lon}",
        "contact": "Contact: {name} {phone}",
        "sticker": "[sticker]",
        "subscribed": "The client subscribed to the Viber bot",
        "unsubscribed_event": (
            "The client unsubscribed from the Viber bot: no Viber messages until they write"
        ),
        "conversation_started": "The client opened the chat with the Viber bot",
        "conversation_context": "The client opened the chat with the Viber bot by a link with '{context}'",
    },
}
LANGUAGE = "ru"


def text(key: str, language: str = LANGUAGE, **values: object) -> str:
    table = TEXTS.get(language, TEXTS[LANGUAGE])
    return table[key].format(**values)
