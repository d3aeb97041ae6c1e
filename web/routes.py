"""The UI's route table (paths relative to /ui)."""

from __future__ import annotations

from aiohttp import web

from web import (
    pages_admin,
    pages_auth,
    pages_clients,
    pages_dashboard,
    pages_events,
    pages_inbox,
    pages_notes,
    pages_request,
    pages_search,
    pages_settings,
    pages_tasks,
)


def ui_routes() -> list[web.RouteDef]:
    return [
        web.get("/login", pages_auth.login_page),
        web.post("/login", pages_auth.login_post),
        web.post("/logout", pages_auth.logout),
        web.get("/", pages_inbox.inbox),
        web.get("/requests/{id}", pages_request.conversation),
        web.post("/requests/{id}/form", pages_request.save_form),
        web.post("/requests/{id}/reply", pages_request.reply),
        web.post("/alerts/{id}/ack", pages_request.ack_alert),
        web.post("/alerts/{id}/verdict", pages_request.alert_verdict),
        web.post("/messages/{id}/conflict", pages_request.mark_conflict),
        web.get("/files/{id}", pages_request.attachment_file),
        web.get("/calls/{id}/recording", pages_request.call_recording),
        web.get("/clients/{id}", pages_clients.client_card),
        web.post("/clients/{id}/merge", pages_clients.merge),
        web.post("/clients/{id}/merges/{merge}/undo", pages_clients.unmerge),
        web.get("/tasks", pages_tasks.board),
        web.post("/tasks", pages_tasks.create),
        web.post("/tasks/{id}/status", pages_tasks.set_status),
        web.get("/dashboard", pages_dashboard.dashboard),
        web.get("/events", pages_events.events),
        web.get("/admin/staff", pages_admin.staff_page),
        web.post("/admin/staff", pages_admin.staff_add),
        web.post("/admin/staff/{id}/duty", pages_admin.staff_duty),
        web.post("/admin/staff/{id}/head", pages_admin.staff_head),
        web.post("/admin/staff/password", pages_admin.staff_password),
        web.post("/admin/staff/{id}/invite", pages_admin.staff_invite),
        web.post("/requests/{id}/notes", pages_notes.note_add),
        web.get("/search", pages_search.search_page),
        web.post("/clients/{id}/responsible", pages_clients.set_responsible),
        web.post("/clients/{id}/summary", pages_clients.refresh_summary),
        web.post("/tasks/{id}/watchers", pages_tasks.watchers),
        web.get("/admin/channels", pages_settings.channels_page),
        web.post("/admin/channels", pages_settings.channel_add),
        web.post("/admin/channels/{id}/active", pages_settings.channel_active),
        web.post("/admin/channels/{id}/group", pages_settings.channel_group),
        web.get("/admin/sla", pages_settings.sla_page),
        web.post("/admin/sla", pages_settings.sla_save),
    ]
