"""The assistant on the demo's data: a conflict alert with its quote, a client summary with citations and a
proposed task (shown, never created), on the best local model the set-up prepared (`make quality`: 1.5B, else
the 0.5B model); `okno demo --no-assistant` skips it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import col, select

from assistant.chains.summary import card_points
from assistant.chains.tasks import extract_tasks
from assistant.history import client_card, summarize_client
from assistant.llm import LlmUnavailable
from assistant.local_models import ModelMissing
from okno.demo.stage import Stage
from storage.alert_labels import category_label
from storage.models import Alert, Message, Request, Staff
from workers.analyze import analyze_message, assistant_of

ANGRY = "Третий раз пишу"  # Ольга Ким of ООО «СтройМаркет» in the API scenario


async def run(stage: Stage) -> dict[str, Any]:
    app = stage.services.jobs
    if not stage.assistant:
        stage.say("[assistant] skipped (--no-assistant)")
        return {"skipped": "--no-assistant"}
    try:
        # built here rather than by OKNO_LLM__ENABLED: the channel scenarios stay fast, the model loads once
        helper = assistant_of(app, force=True)
    except (ModelMissing, LlmUnavailable) as exc:
        stage.say(f"[assistant] no model: {exc}")
        return {"skipped": str(exc)}
    if helper is None:  # no LLM settings in the job context: nothing to build the model from
        stage.say("[assistant] no LLM settings")
        return {"skipped": "no LLM settings"}
    model = getattr(helper.runner.model, "model_path", stage.services.settings.llm.model)
    stage.say(f"[assistant] model: {Path(str(model)).name}")
    async with stage.services.db.session() as session:
        angry = (
            (await session.execute(select(Message).where(col(Message.text).contains(ANGRY))))
            .scalars()
            .first()
        )
        if angry is None or angry.request_id is None:
            return {"skipped": "the API scenario's messages are missing"}
        request = await session.get(Request, angry.request_id)
        # the client's messages: the analyze job is queued for inbound ones only
        inbound = (col(Message.request_id) == angry.request_id) & (col(Message.direction) == "inbound")
        thread = (
            (await session.execute(select(Message.id).where(inbound).order_by(col(Message.id))))
            .scalars()
            .all()
        )
        staff = [s.name for s in (await session.execute(select(Staff))).scalars().all()]
    for message_id in thread:
        outcome = await analyze_message({"okno": app}, message_id)
        stage.say(f"[assistant] message #{message_id}: {outcome}")
    async with stage.services.db.session() as session:
        alerts = (await session.execute(select(Alert).where(col(Alert.kind) == "conflict"))).scalars().all()
    for alert in alerts:
        stage.say(
            f"[assistant] ALERT {category_label(alert.category)} ({alert.category}) "
            f"severity {alert.severity}: «{alert.evidence_quote}» "
            f"(message #{alert.source_message_id}, request #{alert.request_id})"
        )
    summary: list[dict[str, Any]] = []  # what the model wrote (each point citing messages)
    if request is not None and request.client_id is not None:
        narrative, _ = await summarize_client(
            stage.services.db, helper.runner, request.client_id, tz=helper.tz
        )
        async with stage.services.db.session() as session:
            card = await client_card(session, request.client_id)
        # what the staff bot and the web card show together
        points = [*card_points(card, tz=helper.tz), *narrative]
        summary = [p.model_dump() for p in narrative]
        stage.say(f"[assistant] summary of client #{request.client_id}:")
        for point in points:
            stage.say(f"  {point.section}: {point.text} [{', '.join(f'#{c}' for c in point.cites)}]")
    note = f"{staff[0].split()[0]}, подготовь закрывающие документы для СтройМаркета до пятницы"
    proposed = await extract_tasks(
        helper.runner, note, author=staff[-1], staff=staff, now=app.clock().astimezone(helper.tz)
    )
    for task in proposed.tasks:
        due = task.due.at.strftime("%d.%m %H:%M") if task.due else "—"
        stage.say(
            f"[assistant] proposed task (awaits confirmation): {task.title} → {task.assignee}, до {due}"
        )
    return {"alerts": len(alerts), "summary_points": len(summary), "tasks": len(proposed.tasks)}
