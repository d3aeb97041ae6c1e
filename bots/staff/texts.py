"""What the staff bot says in answer to staff (Russian by default, English available), in one place."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "refusal": "Извините, этот бот только для сотрудников компании. Если вы сотрудник, попросите "
        "администратора прислать код приглашения.",
        "invite_bad": "Код приглашения недействителен или уже использован. Попросите новый у администратора.",
        "invite_done": "Добро пожаловать, {name}! Ваша роль: {role}.\n\n{help}",
        "invite_already": "Вы уже подключены как {name}.",
        "help": (
            "Что я умею:\n/client Ромашка — сводка по клиенту (или «что с Ромашкой?», ИНН, телефон)\n"
            "/task … — задача из фразы, например «поставь Ивану задачу позвонить в Ромашку до пятницы»\n"
            "/my — мои задачи и заявки\n/tz Красноярск — мой часовой пояс, если он не как у компании\n"
            "/lang en — English for me\n"
            "В теме клиента: ответ уходит клиенту; /note — заметка; /done; "
            "/assign Имя; /due 01.12; /wait 10.12 — ждём ответа клиента (до даты); "
            "/реквизиты — быстрый ответ (/replies — список); /spam — заблокировать спам"
        ),
        "zone_now": "Ваш часовой пояс: {zone}. Сменить: /tz Красноярск, /tz МСК+4 или /tz Asia/Krasnoyarsk; "
        "/tz - — как у компании ({company}).",
        "zone_company": "как у компании",
        "lang_now": "Язык: русский. English: /lang en; как у компании: /lang -",
        "lang_bad": "Не знаю языка «{written}». Есть /lang ru и /lang en (/lang - — как у компании).",
        "lang_set": "Язык: русский — ответы бота и уведомления вам; в web — со следующего входа.",
        "zone_bad": "Не знаю часового пояса «{written}». Напишите город (/tz Красноярск), смещение от Москвы "
        "(/tz МСК+4) или название вида Asia/Krasnoyarsk.",
        "zone_set": "Часовой пояс: {zone}, у вас сейчас {time}. Сроки, которые вы пишете боту, и время в его "
        "ответах и напоминаниях — по нему; в общей группе сотрудников время компании.",
        "lookup_none": "Не нашёл клиента по запросу «{query}».",
        "lookup_pick": "Нашёл несколько клиентов, выберите:",
        "lookup_empty": "Напишите, кого найти: /client Ромашка, ИНН или телефон.",
        "card_head": "🏢 {name}",
        "card_inn": "ИНН {inn}",
        "card_requests": "Открытые заявки:",
        "card_request": "  #{id} {status}: {what} — срок {due}, {assignee}",
        "card_no_requests": "Открытых заявок нет.",
        "card_contacts": "Последний контакт:",
        "card_contact": "  {channel}: {at}",
        "card_rating": "Последняя оценка клиента: {stars} {score}/5 (заявка #{id}, {at})",
        "card_alerts": "Открытые алерты:",
        "card_alert": "  ⚠️ {label}: «{quote}»",
        "card_summary": "Сводка ассистента:",
        "card_no_summary": "Сводки ещё нет.",
        "card_updating": "⏳ Обновляю сводку: новых сообщений {count}…",
        "card_assistant_off": "Ассистент выключен: сводка не обновляется ({count} новых сообщений).",
        "card_update_failed": "Сводку обновить не удалось, показана прежняя.",
        "no_assignee": "без исполнителя",
        "assignee_pick": "кто именно? выберите ниже",
        "assignee_many": "подходят {count} сотрудников: напишите с фамилией (✏️ Исполнитель)",
        "no_due": "без срока",
        "ask_no_client": "Сначала выберите клиента: /client Ромашка.",
        "ask_off": "Ассистент выключен: ответить по истории клиента не могу.",
        "ask_answer": "{text}\n{links}",
        "task_card": "📝 Задача: {title}\n👤 Исполнитель: {assignee}\n📅 Срок: {due}\n🏢 Клиент: {client}",
        "task_pick_assignee": "Кому именно? Выберите исполнителя:",
        "task_none": "Не нашёл в тексте задачи. Напишите, например: «поставь Ивану задачу позвонить "
        "в Ромашку до пятницы».",
        "task_created": "✅ Задача #{id} создана: {title} → {assignee}, срок {due}",
        "task_cancelled": "❌ Отменено, задача не создана.",
        "task_gone": "Это предложение уже обработано.",
        "task_ask_value": "Напишите новое значение поля «{field}»:",
        "task_bad_value": "Не понял значение поля «{field}», попробуйте ещё раз.",
        "field_title": "название",
        "field_assignee": "исполнитель",
        "field_due": "срок",
        "btn_create": "✅ Создать",
        "btn_edit_title": "✏️ Название",
        "btn_edit_assignee": "✏️ Исполнитель",
        "btn_edit_due": "✏️ Срок",
        "btn_cancel": "❌ Отмена",
        "btn_done": "✔️ Готово",
        "btn_postpone": "⏩ +1 день",
        "my_empty": "У вас нет открытых задач и заявок.",
        "my_tasks": "Мои задачи:",
        "my_task": "#{id} {title} — срок {due}",
        "my_requests": "Мои заявки:",
        "my_request": "#{id} {status}: {what} — срок {due}",
        "my_done": "Отмечено как выполненное.",
        "my_postponed": "Срок перенесён на {due}.",
        "topic_no_request": "У этой темы нет заявки.",
        "topic_note": "📝 Заметка сохранена (клиент её не увидит).",
        "topic_done": "✔️ Заявка #{id} закрыта.",
        "topic_assigned": "👤 Заявка #{id} назначена: {name}.",
        "topic_assign_unknown": "Не нашёл сотрудника «{name}».",
        "topic_assign_which": "«{name}» — это {people}? Напишите с фамилией.",
        "topic_due": "📅 Срок заявки #{id}: {due}.",
        "topic_due_bad": "Не понял дату, например: /due 01.12",
        "topic_reply_failed": "Не удалось отправить клиенту: {reason}",
        "topic_file_too_large": (
            "Файл не отправлен: боту Telegram доступны файлы до {most} МБ. Отправьте его из веб-версии."
        ),
        "topic_bad_status": "Нельзя: {reason}",
        "topic_wait": "⏳ Заявка #{id}: ждём клиента до {due}; промолчит — напомню ответственному.",
        "topic_wait_off": "⏳ Заявка #{id}: ждём клиента (напоминания о молчании клиента выключены).",
        "topic_wait_bad": "Не понял дату, например: /wait 10.12 или /wait до пятницы",
        "topic_wait_past": "Дата уже прошла: {due}. Например: /wait 10.12",
        "topic_spam": (
            "🚫 Контакт заблокирован как спам, отменены заявки: {ids}. Его новые сообщения сохраняются, "
            "но не создают заявок и сюда не приходят. Разблокировать — руководитель в web "
            "(Панель → Заблокированные контакты)."
        ),
        "topic_unknown_command": (
            "Клиенту не отправлено: такой команды нет. В теме клиента: /note, /done, /assign, /due, /wait, "
            "/spam, код быстрого ответа (/replies — список) или просто текст ответа."
        ),
        "replies_none": "Быстрых ответов пока нет: их пишут руководители на странице «Быстрые ответы» в web.",
        "replies_list": "Быстрые ответы (напишите код в теме клиента):\n{lines}",
        "replies_sent": "✉️ Отправлено клиенту:\n{text}",
        "replies_unknown_code": "Клиенту не отправлено: быстрого ответа {value} нет. Список: /replies",
        "replies_unfilled": (
            "Клиенту не отправлено: в быстром ответе {value}, а в карточке этого нет. Напишите ответ сами."
        ),
        "alert_taken": "Взято",
        "alert_dismissed": "Отмечено: не конфликт",
        "alert_pick": "Кому назначить?",
        "alert_pick_kind": "Какой это конфликт?",
        "alert_kind_saved": "Вид конфликта сохранён",
        "alert_gone": "Алерт уже обработан.",
        "alert_not_allowed": "Это может сделать руководитель или ответственный.",
        "role_manager": "менеджер",
        "role_supervisor": "руководитель",
        "role_admin": "администратор",
        "status_new": "новая",
        "status_in_work": "в работе",
        "status_waiting_client": "ждём клиента",
        "status_waiting_until": "ждём клиента до {until}",
        "status_silent": "⏳ клиент молчит (ждали до {until})",
    },
    "en": {
        "refusal": "Sorry, this bot is for the company's staff only. If you work here, ask an admin for an "
        "invite code.",
        "invite_bad": "The invite code is not valid or was used already. Ask an admin for a new one.",
        "invite_done": "Welcome, {name}! Your role: {role}.\n\n{help}",
        "invite_already": "You are connected already as {name}.",
        "help": (
            "What I do:\n/client Romashka — a client summary (or an INN, a phone)\n"
            "/task … — a task from a sentence\n/my — my tasks and requests\n/tz Krasnoyarsk — my time zone, "
            "when it is not the company's\n/lang ru — Russian for me\nIn a client topic: your message "
            "goes to the client; /note — an internal note; /done; /assign Name; /due 01.12; /wait 10.12 — "
            "waiting for the client (until a date); /hours — a saved reply (/replies lists them); "
            "/spam — block a spammer"
        ),
        "zone_now": "Your time zone: {zone}. To change it: /tz Krasnoyarsk, /tz MSK+4 or "
        "/tz Asia/Krasnoyarsk; /tz - for the company's ({company}).",
        "zone_company": "the company's",
        "lang_now": "Language: English. Русский: /lang ru; the company's: /lang -",
        "lang_bad": "I do not know the language «{written}». There are /lang ru and /lang en "
        "(/lang - for the company's).",
        "lang_set": "Language: English — the bot's answers and your notices; the web from your next sign-in.",
        "zone_bad": "I know no time zone «{written}». Write a city (/tz Krasnoyarsk), an offset from Moscow "
        "(/tz MSK+4) or a name like Asia/Krasnoyarsk.",
        "zone_set": "Time zone: {zone}; it is {time} for you now. Deadlines you write to the bot and the "
        "times in its answers and reminders follow it; the staff group keeps the company's time.",
        "lookup_none": "No client found for «{query}».",
        "lookup_pick": "Several clients match, pick one:",
        "lookup_empty": "Whom to find? /client Romashka, an INN or a phone.",
        "card_head": "🏢 {name}",
        "card_inn": "INN {inn}",
        "card_requests": "Open requests:",
        "card_request": "  #{id} {status}: {what} — due {due}, {assignee}",
        "card_no_requests": "No open requests.",
        "card_contacts": "Last contact:",
        "card_contact": "  {channel}: {at}",
        "card_rating": "The client's latest rating: {stars} {score}/5 (request #{id}, {at})",
        "card_alerts": "Open alerts:",
        "card_alert": "  ⚠️ {label}: «{quote}»",
        "card_summary": "Assistant's summary:",
        "card_no_summary": "No summary yet.",
        "card_updating": "⏳ Updating the summary: {count} new messages…",
        "card_assistant_off": "The assistant is off: the summary is not updated ({count} new messages).",
        "card_update_failed": "Could not update the summary; showing the previous one.",
        "no_assignee": "unassigned",
        "assignee_pick": "which one? pick below",
        "assignee_many": "{count} staff members fit: write the surname too (✏️ Assignee)",
        "no_due": "no deadline",
        "ask_no_client": "Pick a client first: /client Romashka.",
        "ask_off": "The assistant is off: I cannot answer from the client's history.",
        "ask_answer": "{text}\n{links}",
        "task_card": "📝 Task: {title}\n👤 Assignee: {assignee}\n📅 Due: {due}\n🏢 Client: {client}",
        "task_pick_assignee": "Who exactly? Pick the assignee:",
        "task_none": "I found no task in this text.",
        "task_created": "✅ Task #{id} created: {title} → {assignee}, due {due}",
        "task_cancelled": "❌ Cancelled, no task created.",
        "task_gone": "This proposal was handled already.",
        "task_ask_value": "Send the new value of «{field}»:",
        "task_bad_value": "I did not understand «{field}», try again.",
        "field_title": "title",
        "field_assignee": "assignee",
        "field_due": "due",
        "btn_create": "✅ Create",
        "btn_edit_title": "✏️ Title",
        "btn_edit_assignee": "✏️ Assignee",
        "btn_edit_due": "✏️ Due",
        "btn_cancel": "❌ Cancel",
        "btn_done": "✔️ Done",
        "btn_postpone": "⏩ +1 day",
        "my_empty": "You have no open tasks or requests.",
        "my_tasks": "My tasks:",
        "my_task": "#{id} {title} — due {due}",
        "my_requests": "My requests:",
        "my_request": "#{id} {status}: {what} — due {due}",
        "my_done": "Marked as done.",
        "my_postponed": "Moved to {due}.",
        "topic_no_request": "This topic has no request.",
        "topic_note": "📝 Note saved (the client will not see it).",
        "topic_done": "✔️ Request #{id} closed.",
        "topic_assigned": "👤 Request #{id} assigned to {name}.",
        "topic_assign_unknown": "No staff member «{name}».",
        "topic_assign_which": "«{name}» fits {people}: write the surname too.",
        "topic_due": "📅 Request #{id} due: {due}.",
        "topic_due_bad": "I did not get the date, e.g. /due 01.12",
        "topic_reply_failed": "Not sent to the client: {reason}",
        "topic_file_too_large": "Not sent: a Telegram bot gets files up to {most} MB. Send it from the web.",
        "topic_bad_status": "Not allowed: {reason}",
        "topic_wait": (
            "⏳ Request #{id}: waiting for the client until {due}; if they stay silent, the assignee "
            "is reminded."
        ),
        "topic_wait_off": "⏳ Request #{id}: waiting for the client (silent-client reminders are off).",
        "topic_wait_bad": "I did not get the date, e.g. /wait 10.12 or /wait till Friday",
        "topic_wait_past": "That date has passed: {due}. E.g. /wait 10.12",
        "topic_spam": (
            "🚫 The contact is blocked as spam; requests cancelled: {ids}. What they send later is kept but "
            "opens no request and is not posted here. A supervisor unblocks in the web "
            "(Dashboard → Blocked contacts)."
        ),
        "topic_unknown_command": (
            "Not sent to the client: no such command. In a client's topic: /note, /done, /assign, /due, "
            "/wait, /spam, a saved reply's code (/replies lists them) or just the answer's text."
        ),
        "replies_none": "No saved replies yet: supervisors write them on the web's «Saved replies» page.",
        "replies_list": "Saved replies (type the code in a client's topic):\n{lines}",
        "replies_sent": "✉️ Sent to the client:\n{text}",
        "replies_unknown_code": "Not sent to the client: there is no saved reply {value}. The list: /replies",
        "replies_unfilled": (
            "Not sent to the client: the saved reply has {value}, and the card lacks it. "
            "Write the answer yourself."
        ),
        "alert_taken": "Taken",
        "alert_dismissed": "Marked: not a conflict",
        "alert_pick": "Assign to whom?",
        "alert_pick_kind": "What kind of conflict is it?",
        "alert_kind_saved": "The kind is saved",
        "alert_gone": "The alert was handled already.",
        "alert_not_allowed": "A supervisor or the assignee can do this.",
        "role_manager": "manager",
        "role_supervisor": "supervisor",
        "role_admin": "admin",
        "status_new": "new",
        "status_in_work": "in work",
        "status_waiting_client": "waiting for the client",
        "status_waiting_until": "waiting for the client until {until}",
        "status_silent": "⏳ the client is silent (was due {until})",
    },
}


def say(key: str, lang: str = "ru", **values: object) -> str:
    table = TEXTS.get(lang, TEXTS["ru"])
    return table.get(key, TEXTS["ru"][key]).format(**values)
