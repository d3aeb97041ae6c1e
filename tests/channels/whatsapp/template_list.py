"""Templates as Meta lists them (GET /{waba_id}/message_templates), for the stand-in in tests."""

from __future__ import annotations

from typing import Any


def body(text: str) -> dict[str, str]:
    return {"type": "BODY", "text": text}


TEMPLATE_LIST: list[dict[str, Any]] = [
    {
        "name": "invoice_ready",
        "language": "ru",
        "status": "APPROVED",
        "category": "UTILITY",
        "parameter_format": "POSITIONAL",
        "components": [
            {"type": "HEADER", "format": "TEXT", "text": "Счёт готов"},
            body("Здравствуйте, {{1}}! Счёт № {{2}} готов, оплатите до {{3}}."),
            {"type": "FOOTER", "text": "ООО Ромашка"},
        ],
        "id": "1001",
    },
    {
        "name": "old_promo",
        "language": "ru",
        "status": "REJECTED",
        "category": "MARKETING",
        "components": [body("Скидка {{1}}%!")],
        "id": "1002",
    },
    {
        "name": "contract_scan",
        "language": "ru",
        "status": "APPROVED",
        "category": "UTILITY",
        "components": [{"type": "HEADER", "format": "DOCUMENT"}, body("{{1}}, договор во вложении.")],
        "id": "1003",
    },
    {
        "name": "visit_reminder",
        "language": "en_US",
        "status": "APPROVED",
        "category": "UTILITY",
        "parameter_format": "NAMED",
        "components": [body("Hello {{first_name}}, see you on {{visit_date}}.")],
        "id": "1004",
    },
    {
        "name": "hello_world",
        "language": "ru",
        "status": "APPROVED",
        "category": "UTILITY",
        "components": [body("Здравствуйте! Напишите нам, если остались вопросы.")],
        "id": "1005",
    },
]
