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
    pages_request,
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
        web.get("/files/{id}", pages_request.attachment_file),
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
    ]
