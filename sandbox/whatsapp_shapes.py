"""Meta's shapes for the WhatsApp stand-in: what each message type must carry, media limits, webhooks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.whatsapp import GraphApiStandIn

Problem = tuple[int, str, str | None]
# Supported upload MIME types and their size limits (Meta's "Supported media types").
MEDIA_MIMES = {
    "image/jpeg": 5 << 20,
    "image/png": 5 << 20,
    "image/webp": 500 << 10,
    "audio/aac": 16 << 20,
    "audio/amr": 16 << 20,
    "audio/mpeg": 16 << 20,
    "audio/mp4": 16 << 20,
    "audio/ogg": 16 << 20,
    "video/mp4": 16 << 20,
    "video/3gpp": 16 << 20,
    "text/plain": 100 << 20,
    "application/pdf": 100 << 20,
    "application/msword": 100 << 20,
    "application/vnd.ms-excel": 100 << 20,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 << 20,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 << 20,
}


def _param(name: str) -> Problem:
    return 100, f"(#100) The parameter {name} is required.", None


def _text(_api: GraphApiStandIn, content: dict[str, Any]) -> Problem | None:
    body = content.get("body")
    if not isinstance(body, str) or not body:
        return _param("text['body']")
    if len(body) > 4096:
        return 100, "(#100) Param text['body'] must be at most 4096 characters long.", None
    if "preview_url" in content and not isinstance(content["preview_url"], bool):
        return 100, "(#100) Param text['preview_url'] must be a boolean.", None
    return None


def _media(kind: str) -> Callable[[GraphApiStandIn, dict[str, Any]], Problem | None]:
    def check(api: GraphApiStandIn, content: dict[str, Any]) -> Problem | None:
        if "id" not in content and "link" not in content:
            return 100, f"(#100) Param {kind} must contain either id or link.", None
        if "id" in content and content["id"] not in api.media:
            return 131053, "(#131053) Media upload error", f"Media id {content['id']} is not valid"
        if "caption" in content and kind in ("audio", "sticker"):
            return 100, f"(#100) Param {kind}['caption'] is not allowed for this type.", None
        return None

    return check


def _reaction(_api: GraphApiStandIn, content: dict[str, Any]) -> Problem | None:
    if not isinstance(content.get("message_id"), str):
        return _param("reaction['message_id']")
    if not isinstance(content.get("emoji"), str):
        return _param("reaction['emoji']")
    return None


def _template(api: GraphApiStandIn, content: dict[str, Any]) -> Problem | None:
    name, language = content.get("name"), content.get("language")
    if not isinstance(name, str):
        return _param("template['name']")
    if not isinstance(language, dict) or not isinstance(language.get("code"), str):
        return _param("template['language']['code']")
    expected = api.expected_params(name, language["code"])
    if expected is None:
        return (
            132001,
            "(#132001) Template name does not exist in the translation",
            f"template name ({name}) does not exist in {language['code']}",
        )
    given = [
        p for c in content.get("components", []) if c.get("type") == "body" for p in c.get("parameters", [])
    ]
    if len(given) != len(expected):
        return (
            132000,
            "(#132000) Number of parameters does not match the expected number of params",
            f"body: number of localizable_params ({len(given)}) does not match the expected number of params "
            f"({len(expected)})",
        )
    names = {p.get("parameter_name") for p in given}
    if any(expected) and names != set(expected):
        return (
            132000,
            "(#132000) Number of parameters does not match the expected number of params",
            f"body: named parameters {sorted(map(str, names))} do not match {sorted(map(str, expected))}",
        )
    return None


def _invalid(details: str) -> Problem:
    """Meta's answer to an interactive message past one of its limits. The details of a button title, the
    buttons count and the row count are Meta's words as seen in the wild; the others follow their pattern."""
    return 131009, "(#131009) Parameter value is not valid", details


def _length(what: str, value: object, most: int) -> Problem | None:
    if isinstance(value, str) and 0 < len(value) <= most:
        return None
    return _invalid(f"{what} length invalid. Min length: 1, Max length: {most}")


def _interactive(_api: GraphApiStandIn, content: dict[str, Any]) -> Problem | None:
    """Reply buttons and list messages, the interactive kinds okno sends (the others are not modelled)."""
    kind = content.get("type")
    if kind not in INTERACTIVE:
        return 100, f"(#100) Param interactive['type'] must be one of {{button, list}} - got {kind!r}.", None
    body, action = content.get("body"), content.get("action")
    if not isinstance(body, dict) or not isinstance(action, dict):
        return _param("interactive['body']" if not isinstance(body, dict) else "interactive['action']")
    return _length("Body text", body.get("text"), 1024) or INTERACTIVE[kind](action)


def _buttons(action: dict[str, Any]) -> Problem | None:
    buttons = action.get("buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return _invalid("Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: 3")
    titles: set[str] = set()
    for button in buttons:
        reply = button.get("reply") if isinstance(button, dict) else None
        if not isinstance(reply, dict) or button.get("type") != "reply":
            return _param("interactive['action']['buttons'][]['reply']")
        title, ident = reply.get("title"), reply.get("id")
        problem = _length("Button title", title, 20) or _length("Button id", ident, 256)
        if problem is not None:
            return problem
        if title in titles:
            return _invalid("Button title must be unique")
        titles.add(str(title))
    return None


def _list(action: dict[str, Any]) -> Problem | None:
    sections = action.get("sections")
    problem = _length("Button text", action.get("button"), 20)
    if problem is not None:
        return problem
    if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
        return _invalid("Invalid sections count. Min allowed sections: 1, Max allowed sections: 10")
    if len(sections) > 1 and not all(isinstance(s, dict) and s.get("title") for s in sections):
        return _param("interactive['action']['sections'][]['title']")  # several sections need their titles
    rows = [
        row
        for section in sections
        if isinstance(section, dict) and isinstance(section.get("rows"), list)
        for row in section["rows"]
    ]
    if not rows:
        return _param("interactive['action']['sections'][]['rows']")
    if len(rows) > 10:
        return _invalid("Total row count exceed max allowed count: 10")
    for row in rows:
        if not isinstance(row, dict):
            return _param("interactive['action']['sections'][]['rows'][]")
        problem = _length("Row title", row.get("title"), 24) or _length("Row id", row.get("id"), 200)
        if problem is not None:
            return problem
    if len({row["id"] for row in rows}) != len(rows):
        return _invalid("Row id must be unique")
    return None


INTERACTIVE: dict[str, Callable[[dict[str, Any]], Problem | None]] = {"button": _buttons, "list": _list}
SEND_TYPES: dict[str, Callable[[GraphApiStandIn, dict[str, Any]], Problem | None]] = {
    "text": _text,
    "image": _media("image"),
    "audio": _media("audio"),
    "video": _media("video"),
    "document": _media("document"),
    "sticker": _media("sticker"),
    "reaction": _reaction,
    "template": _template,
    "interactive": _interactive,
}


def _envelope(phone_number_id: str, display: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": display, "phone_number_id": phone_number_id},
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def inbound_body(
    phone_number_id: str, display: str, wa_id: str, name: str, item: dict[str, Any]
) -> dict[str, Any]:
    contacts = [{"profile": {"name": name}, "wa_id": wa_id}]
    return _envelope(phone_number_id, display, {"contacts": contacts, "messages": [item]})


def status_body(
    phone_number_id: str,
    display: str,
    wamid: str,
    status: str,
    recipient: str,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
    }
    if status != "failed":
        item["conversation"] = {"id": "c0ffee", "origin": {"type": "service"}}
        item["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
    if errors:
        item["errors"] = errors
    return _envelope(phone_number_id, display, {"statuses": [item]})
