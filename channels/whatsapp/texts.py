"""Every text this channel shows to people or writes into a message, in Russian (default) and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "outside_window": (
            "Клиент не писал в WhatsApp больше 24 часов: WhatsApp не пропустит обычное сообщение. "
            "Отправьте шаблон «{template}» (напишите «/template {template}»); когда клиент ответит, "
            "можно снова писать свободным текстом."
        ),
        "outside_window_no_template": (
            "Клиент не писал в WhatsApp больше 24 часов: WhatsApp не пропустит обычное сообщение. "
            "Нужен одобренный шаблон сообщения: настройте его в Meta и укажите в config.template аккаунта."
        ),
        "undeliverable": "WhatsApp не смог доставить сообщение на этот номер ({detail})",
        "rate_limited": "WhatsApp ограничил частоту отправки ({detail}); повторим позже",
        "refused": "WhatsApp отказал в отправке: {detail}",
        "location": "Местоположение: {place}",
        "contact": "Контакт: {name} {phones}",
        "order": "Заказ из каталога {catalog}: {items}",
        "order_item": "{item} × {quantity} по {price} {currency}",
        "referral": "[пришёл по рекламе: {headline} {url}]",
        "deleted": "[клиент удалил сообщение]",
        "forwarded": "[переслано]",
        "call_permission": "Разрешение на звонки от клиента: {response}",
        "flow_reply": "Ответ на форму «{name}»: {answers}",
        "choose": "Выбрать",  # the button that opens a list of answers (at most 20 characters)
    },
    "en": {
        "outside_window": (
            "The client has not written on WhatsApp for over 24 hours, so WhatsApp refuses free-form "
            "messages. Send the template '{template}' (type '/template {template}'); once the client "
            "answers, free-form messages work again."
        ),
        "outside_window_no_template": (
            "The client has not written on WhatsApp for over 24 hours, so WhatsApp refuses free-form "
            "messages. An approved message template is needed: set one up at Meta and name it in the "
            "account's config.template."
        ),
        "undeliverable": "WhatsApp could not deliver to this number ({detail})",
        "rate_limited": "WhatsApp rate limit hit ({detail}); will retry",
        "refused": "WhatsApp refused the send: {detail}",
        "location": "Location: {place}",
        "contact": "Contact: {name} {phones}",
        "order": "Order from catalog {catalog}: {items}",
        "order_item": "{item} × {quantity} at {price} {currency}",
        "referral": "[came from an ad: {headline} {url}]",
        "deleted": "[the client deleted this message]",
        "forwarded": "[forwarded]",
        "call_permission": "Call permission from the client: {response}",
        "flow_reply": "Form '{name}' answered: {answers}",
        "choose": "Choose",
    },
}
LANGUAGE = "ru"


def text(key: str, language: str = LANGUAGE, **values: object) -> str:
    table = TEXTS.get(language, TEXTS[LANGUAGE])
    return table[key].format(**values)
