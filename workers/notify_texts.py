"""What the staff bot says on its own (alerts, reminders, digests, mirrored messages); ru, en."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "btn_take": "Беру",
        "btn_assign": "Назначить…",
        "btn_not_conflict": "Не конфликт",
        "btn_other_kind": "Другой вид…",
        "alert_conflict": "⚠️ Конфликт · серьёзность {severity}/3 · {category}",
        "alert_sla_breach": "⏰ Нет ответа клиенту дольше срока SLA",
        "alert_overdue_task": "⏰ Просрочена задача",
        "alert_missed_call": "📞 Пропущенный звонок",
        "escalated": "⬆️ Эскалация (уровень {level}): ",
        "alert_client": "Клиент: {client}",
        "alert_channel": "Канал: {channel}",
        "alert_message": "Сообщение: {text}",
        "alert_link": "Открыть: {link}",
        "alert_taken": "✅ Взял(а): {name}",
        "alert_dismissed": "🚫 Не конфликт (отметил(а) {name})",
        "alert_confirmed": "☑️ Конфликт подтверждён ({name})",
        "unknown_client": "не определён",
        "task_reminder": "🔔 Напоминание: «{title}» — срок {due}",
        "task_overdue": "⏰ Просрочено: «{title}» — срок был {due}",
        "task_overdue_supervisor": "⏰ Просрочена задача «{title}» ({assignee}), срок был {due}",
        "task_assigned": "📌 Новая задача от {author}: «{title}»{due}",
        "task_due": ", срок {due}",
        "reply_failed": (
            "📭 Клиент не получил ваш ответ (обращение #{request}, {client}): «{text}»\nПричина: {reason}"
        ),
        "client_silent": (
            "⏳ Клиент молчит: заявка #{request}, {client} — «{what}». Ждём с {since}, срок ответа {due} "
            "прошёл. Напомните клиенту или позвоните; /wait в теме заявки продлит ожидание."
        ),
        "client_silent_owner": "Заявка у {name}: к боту не подключён(а).",
        "request_soon": "🔔 Срок заявки #{request} ({client}) — {due}: «{what}»",
        "request_due": "⏰ Срок заявки #{request} ({client}) прошёл ({due}): «{what}»",
        "request_late": (
            "⏰ Просрочена заявка #{request} ({client}, ответственный: {assignee}), срок был {due}: «{what}»"
        ),
        "nobody": "никто",
        "low_rating": (
            "⭐ Низкая оценка клиента: {score} из 5, заявка #{request} ({client}, ответственный: {assignee})"
        ),
        "low_rating_comment": "Клиент написал: «{comment}»",
        "digest_ratings": "Оценки клиентов: {count}, средняя {average}; низких: {low}",
        "digest_head": "📊 Сводка за сутки ({day})",
        "digest_line": (
            "Новых заявок: {new}\nБез ответа: {unanswered}\nПросрочено: {overdue}\nКонфликтов: {conflicts}\n"
            "Клиент молчит дольше срока: {silent}"
        ),
        "digest_frt_head": "Первый ответ (среднее по менеджерам, сначала самые долгие):",
        "digest_frt": "  {name}: {minutes} мин ({count})",
        "digest_frt_none": "  нет ответов за сутки",
        "digest_frt_rest": "  …ещё {people}: в среднем {minutes} мин",
        "digest_team": "Ваша группа: {count} чел., включая вас (назначенные им обращения)",
        "mirror_head": "{icon} {author} · {channel}",
        "mirror_reply": "↩️ {author} → клиенту · {channel} · заявка #{id}",
        "mirror_reply_failed": "⚠️ Клиенту не доставлено · {author} · {channel} · заявка #{id}: {reason}",
        "mirror_call": "📞 Звонок{duration}",
        "mirror_transcript": "Расшифровка:",
        "mirror_file": "📎 {name}{note}",
        "topic_name": "{client} · {channel}",
    },
    "en": {
        "btn_take": "Take it",
        "btn_assign": "Assign…",
        "btn_not_conflict": "Not a conflict",
        "btn_other_kind": "Another kind…",
        "alert_conflict": "⚠️ Conflict · severity {severity}/3 · {category}",
        "alert_sla_breach": "⏰ A client has waited past the SLA",
        "alert_overdue_task": "⏰ A task is overdue",
        "alert_missed_call": "📞 Missed call",
        "escalated": "⬆️ Escalation (level {level}): ",
        "alert_client": "Client: {client}",
        "alert_channel": "Channel: {channel}",
        "alert_message": "Message: {text}",
        "alert_link": "Open: {link}",
        "alert_taken": "✅ Taken by {name}",
        "alert_dismissed": "🚫 Not a conflict (marked by {name})",
        "alert_confirmed": "☑️ Conflict confirmed ({name})",
        "unknown_client": "unknown",
        "task_reminder": "🔔 Reminder: «{title}» — due {due}",
        "task_overdue": "⏰ Overdue: «{title}» — was due {due}",
        "task_overdue_supervisor": "⏰ Task «{title}» ({assignee}) is overdue, was due {due}",
        "task_assigned": "📌 New task from {author}: «{title}»{due}",
        "task_due": ", due {due}",
        "reply_failed": (
            "📭 The client did not get your reply (request #{request}, {client}): «{text}»\nWhy: {reason}"
        ),
        "client_silent": (
            "⏳ The client is silent: request #{request}, {client} — «{what}». Waiting since {since}; the "
            "answer was due {due}. Remind the client or call; /wait in the request's topic extends the wait."
        ),
        "client_silent_owner": "The request is with {name}, who has not connected the bot.",
        "request_soon": "🔔 Request #{request} ({client}) is due {due}: «{what}»",
        "request_due": "⏰ Request #{request} ({client}) was due {due}: «{what}»",
        "request_late": (
            "⏰ Request #{request} ({client}, with {assignee}) is overdue, was due {due}: «{what}»"
        ),
        "nobody": "nobody",
        "low_rating": (
            "⭐ A low rating from the client: {score} of 5, request #{request} ({client}, with {assignee})"
        ),
        "low_rating_comment": "The client wrote: «{comment}»",
        "digest_ratings": "Client ratings: {count}, average {average}; low: {low}",
        "digest_head": "📊 The last 24 hours ({day})",
        "digest_line": (
            "New requests: {new}\nUnanswered: {unanswered}\nOverdue: {overdue}\nConflicts: {conflicts}\n"
            "Clients silent past their date: {silent}"
        ),
        "digest_frt_head": "First response (average per manager, slowest first):",
        "digest_frt": "  {name}: {minutes} min ({count})",
        "digest_frt_none": "  no answers in the last 24 hours",
        "digest_frt_rest": "  …{people} more: {minutes} min on average",
        "digest_team": "Your group: {count} people, you included (the requests assigned to them)",
        "mirror_head": "{icon} {author} · {channel}",
        "mirror_reply": "↩️ {author} → the client · {channel} · request #{id}",
        "mirror_reply_failed": "⚠️ Not delivered · {author} · {channel} · request #{id}: {reason}",
        "mirror_call": "📞 Call{duration}",
        "mirror_transcript": "Transcript:",
        "mirror_file": "📎 {name}{note}",
        "topic_name": "{client} · {channel}",
    },
}


def say(key: str, lang: str = "ru", **values: object) -> str:
    table = TEXTS.get(lang, TEXTS["ru"])
    return table.get(key, TEXTS["ru"][key]).format(**values)
