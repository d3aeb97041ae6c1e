"""What the client bot says (Russian by default, English available), in one place for translation."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "greeting": (
            "Здравствуйте! Это бот бухгалтерии.\n\n"
            "Чтобы оставить заявку, просто напишите, что нужно сделать: укажите компанию и ИНН, срок и "
            "приложите файлы. Менеджер ответит здесь же.\n\n"
            "/new — заполнить заявку по шагам\n/status — мои открытые заявки"
        ),
        "ask_company": "Шаг 1 из 4. Напишите название компании и ИНН (10 или 12 цифр).",
        "bad_inn": (
            "Не нашёл верный ИНН. Проверьте цифры и напишите ещё раз, например: «ООО Ромашка, ИНН 7707083893»"
        ),
        "ask_what": "Шаг 2 из 4. Что нужно сделать?",
        "ask_due": "Шаг 3 из 4. К какому сроку? Например: «до пятницы», «30.11» или «-» без срока.",
        "bad_due": "Не понял дату. Напишите, например, «до пятницы» или «30.11», либо «-» без срока.",
        "ask_files": "Шаг 4 из 4. Пришлите файлы (если нужны) и нажмите /done.",
        "file_noted": "Файл получил. Ещё файлы — или /done.",
        "form_done": (
            "Заявка №{id} заполнена: {company}, ИНН {inn}. {what}. Срок: {due}. Менеджер свяжется с вами."
        ),
        "form_no_request": "Не удалось найти вашу заявку. Напишите, что нужно сделать, и менеджер ответит.",
        "no_due": "без срока",
        "cancelled": "Заполнение заявки отменено.",
        "no_requests": "Открытых заявок нет. Напишите, что нужно сделать, или /new.",
        "status_head": "Ваши открытые заявки:",
        "status_line": "№{id} — {status}: {what}{due}",
        "status_due": " (срок {due})",
        "status_new": "новая",
        "status_in_work": "в работе",
        "status_waiting_client": "ждём от вас ответа",
    },
    "en": {
        "greeting": (
            "Hello! This is the accounting team's bot.\n\n"
            "To file a request, just write what needs doing: your company and INN, the deadline, and attach "
            "the files. A manager will answer here.\n\n"
            "/new — fill in a request step by step\n/status — my open requests"
        ),
        "ask_company": "Step 1 of 4. Your company name and INN (10 or 12 digits).",
        "bad_inn": "That INN does not check out. Please write it again, e.g. «Romashka LLC, INN 7707083893».",
        "ask_what": "Step 2 of 4. What needs doing?",
        "ask_due": "Step 3 of 4. By when? E.g. «до пятницы», «30.11», or «-» for no deadline.",
        "bad_due": "I did not get the date. Write e.g. «30.11», or «-» for no deadline.",
        "ask_files": "Step 4 of 4. Send files if needed, then /done.",
        "file_noted": "File received. More files, or /done.",
        "form_done": (
            "Request #{id} filled in: {company}, INN {inn}. {what}. Due: {due}. A manager will contact you."
        ),
        "form_no_request": "I could not find your request. Write what needs doing and a manager will answer.",
        "no_due": "no deadline",
        "cancelled": "Request form cancelled.",
        "no_requests": "No open requests. Write what needs doing, or /new.",
        "status_head": "Your open requests:",
        "status_line": "#{id} — {status}: {what}{due}",
        "status_due": " (due {due})",
        "status_new": "new",
        "status_in_work": "in progress",
        "status_waiting_client": "waiting for your answer",
    },
}
LANGUAGE = "ru"


def say(key: str, **values: object) -> str:
    return TEXTS[LANGUAGE][key].format(**values)
