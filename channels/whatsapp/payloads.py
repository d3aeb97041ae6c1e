"""Graph API /messages bodies: text, media by id, template with parameters, reaction, the answers a client may
tap (reply buttons or a list); reply context."""

from __future__ import annotations

from typing import Any

from channels.whatsapp.directives import TemplateSend

Body = dict[str, Any]
# What the Cloud API can send as each type; anything else goes as a document.
SEND_TYPES = {
    "image": ("image/jpeg", "image/png"),
    "audio": ("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"),
    "video": ("video/mp4", "video/3gpp"),
    "sticker": ("image/webp",),
}
# Upload size limits per type (bytes), from Meta's supported-media table.
MAX_BYTES = {
    "image": 5 << 20,
    "audio": 16 << 20,
    "video": 16 << 20,
    "sticker": 500 << 10,
    "document": 100 << 20,
}
# Meta's limits on interactive messages, in characters; a body past one is refused (131009).
MAX_BUTTONS = 3
MAX_ROWS = 10
BUTTON_TITLE = 20
ROW_TITLE = 24
LIST_BUTTON = 20
INTERACTIVE_BODY = 1024  # plain text takes 4096


def _base(to: str, reply_to: str | None) -> Body:
    body: Body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    if reply_to and reply_to.startswith("wamid."):
        body["context"] = {"message_id": reply_to}
    return body


def text_body(to: str, text: str, *, reply_to: str | None) -> Body:
    preview = "https://" in text or "http://" in text
    return {**_base(to, reply_to), "type": "text", "text": {"preview_url": preview, "body": text}}


def choices_body(
    to: str, text: str, choices: tuple[str, ...], *, reply_to: str | None, label: str
) -> Body | None:
    """The text with the answers a client may tap (OutboundMessage.choices): reply buttons for up to three, a
    list opened by `label` for up to ten. A tap comes back as an interactive reply whose title is the answer,
    read as the client's text. None where WhatsApp would refuse it — more answers than a list holds, an answer
    longer than its button or row, the same answer twice, a text over the interactive body's limit: the text
    then goes plain, as it asks the client to type the answer."""
    usable = bool(choices) and all(choices) and len(set(choices)) == len(choices)  # Meta refuses repeats
    if not usable or not 0 < len(text) <= INTERACTIVE_BODY:
        return None
    if len(choices) <= MAX_BUTTONS and all(len(c) <= BUTTON_TITLE for c in choices):
        buttons = [{"type": "reply", "reply": {"id": c, "title": c}} for c in choices]
        action: Body = {"buttons": buttons}
        kind = "button"
    elif len(choices) <= MAX_ROWS and all(len(c) <= ROW_TITLE for c in choices):  # a long one fits a row
        rows = [{"id": c, "title": c} for c in choices]
        action = {"button": label[:LIST_BUTTON], "sections": [{"rows": rows}]}
        kind = "list"
    else:
        return None
    interactive = {"type": kind, "body": {"text": text}, "action": action}
    return {**_base(to, reply_to), "type": "interactive", "interactive": interactive}


def send_type(mime: str | None) -> str:
    base = (mime or "").split(";")[0].strip().lower()
    for kind, mimes in SEND_TYPES.items():
        if kind != "sticker" and base in mimes:
            return kind
    return "document"


def media_body(
    to: str, kind: str, media_id: str, *, caption: str | None, filename: str | None, reply_to: str | None
) -> Body:
    media: Body = {"id": media_id}
    if caption and kind in ("image", "video", "document"):
        media["caption"] = caption
    if filename and kind == "document":
        media["filename"] = filename
    return {**_base(to, reply_to), "type": kind, kind: media}


def template_body(to: str, template: TemplateSend, *, language: str) -> Body:
    payload: Body = {"name": template.name, "language": {"code": template.language or language}}
    if template.parameters:
        payload["components"] = [
            {
                "type": "body",
                "parameters": [_param(i, p, template.names) for i, p in enumerate(template.parameters)],
            }
        ]
    return {**_base(to, None), "type": "template", "template": payload}


def _param(index: int, value: str, names: tuple[str, ...]) -> Body:
    """A body parameter; a template with named parameters needs each one's parameter_name."""
    if index < len(names):
        return {"type": "text", "parameter_name": names[index], "text": value}
    return {"type": "text", "text": value}


def reaction_body(to: str, message_id: str, emoji: str) -> Body:
    return {**_base(to, None), "type": "reaction", "reaction": {"message_id": message_id, "emoji": emoji}}
