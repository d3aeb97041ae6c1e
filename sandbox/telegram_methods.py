"""The Bot API methods of the loopback stand-in (sandbox/telegram.py): checks and answers like Telegram."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sandbox.telegram_state import ApiError, BotState, SandboxView, bad

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_DOWNLOAD = 20 * 1024 * 1024
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
PARSE_MODES = {"HTML", "Markdown", "MarkdownV2"}


Method = Callable[[SandboxView, BotState, dict[str, Any]], Awaitable[Any]]


def _int(params: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        if required:
            raise bad(f"{name} is empty" if name != "chat_id" else "chat_id is empty")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad(f"invalid {name} specified") from None


def _chat(sandbox: SandboxView, params: dict[str, Any]) -> int:
    raw = params.get("chat_id")
    if isinstance(raw, str) and raw.startswith("@"):
        raise bad("chat not found")
    chat_id = _int(params, "chat_id")
    assert chat_id is not None
    if chat_id in sandbox.blocked_chats:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    return chat_id


def _common(params: dict[str, Any], message: dict[str, Any]) -> None:
    """reply_to (old and new form), parse_mode and reply_markup, checked like Telegram checks them."""
    mode = params.get("parse_mode")
    if mode and mode not in PARSE_MODES:
        raise bad(f"unsupported parse_mode {mode}")
    reply = params.get("reply_parameters")
    reply_to = reply.get("message_id") if isinstance(reply, dict) else params.get("reply_to_message_id")
    if reply_to not in (None, ""):
        try:
            quoted = int(reply_to)
        except (TypeError, ValueError):
            raise bad("invalid reply_to_message_id specified") from None
        message["reply_to_message"] = {"message_id": quoted, "chat": message["chat"], "date": message["date"]}
    markup = params.get("reply_markup")
    if markup is not None and not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")


def _text(params: dict[str, Any], name: str, limit: int, *, required: bool) -> str | None:
    text = params.get(name)
    if text in (None, ""):
        if required:
            raise bad("message text is empty")
        return None
    if len(str(text)) > limit:
        raise bad("message is too long" if name == "text" else "message caption is too long")
    return str(text)


async def get_me(_sb: SandboxView, bot: BotState, _p: dict[str, Any]) -> Any:
    return {**bot.user(), "can_join_groups": True, "can_read_all_group_messages": False}


async def get_updates(_sb: SandboxView, bot: BotState, params: dict[str, Any]) -> Any:
    if bot.webhook_url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
            "the webhook first",
        )
    offset = _int(params, "offset", required=False) or 0
    limit = min(100, max(1, _int(params, "limit", required=False) or 100))
    timeout = max(0, _int(params, "timeout", required=False) or 0)
    bot.pending = [u for u in bot.pending if u["update_id"] >= offset]  # an offset confirms what is below it
    if not bot.pending and timeout:
        bot.arrived.clear()
        try:
            await asyncio.wait_for(bot.arrived.wait(), timeout=min(timeout, 50))
        except TimeoutError:
            return []
    return sorted(bot.pending, key=lambda u: u["update_id"])[:limit]


async def set_webhook(sb: SandboxView, bot: BotState, params: dict[str, Any]) -> Any:
    url = str(params.get("url") or "")
    if url and not url.startswith(("https://", "http://")):
        raise bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    if url and sb.require_https and not url.startswith("https://"):
        raise bad("bad webhook: An HTTPS URL must be provided for webhook")
    secret = str(params.get("secret_token") or "")
    if secret and not SECRET_TOKEN.match(secret):
        raise bad("secret token contains unallowed characters")
    if str(params.get("drop_pending_updates", "")).lower() == "true":
        bot.pending.clear()
    bot.webhook_url, bot.webhook_secret = url, secret
    return True


async def delete_webhook(_sb: SandboxView, bot: BotState, params: dict[str, Any]) -> Any:
    if str(params.get("drop_pending_updates", "")).lower() == "true":
        bot.pending.clear()
    bot.webhook_url, bot.webhook_secret = "", ""
    return True


async def get_webhook_info(_sb: SandboxView, bot: BotState, _p: dict[str, Any]) -> Any:
    return {"url": bot.webhook_url, "has_custom_certificate": False, "pending_update_count": len(bot.pending)}


async def send_message(sb: SandboxView, bot: BotState, params: dict[str, Any]) -> Any:
    chat_id = _chat(sb, params)
    text = _text(params, "text", MAX_TEXT, required=True)
    message = bot.new_message(chat_id, params)
    _common(params, message)
    message["text"] = text
    return message


def _media(sb: SandboxView, params: dict[str, Any], name: str) -> dict[str, Any]:
    ref = params.get(name)
    if not ref:
        raise bad(f"there is no {name} in the request")
    file_id = str(ref).removeprefix("attach://")
    if str(ref).startswith(("http://", "https://")):
        file_id = sb.add_file(str(ref).encode())
    entry = sb.files.get(file_id)
    if entry is None:
        raise bad("wrong file identifier/HTTP URL specified")
    return {"file_id": entry.file_id, "file_unique_id": entry.file_unique_id, "file_size": entry.size}


def shaped(kind: str, media: dict[str, Any]) -> Any:
    """The file object of a sent message, with the fields Telegram always fills for its kind."""
    if kind == "photo":
        return [{**media, "width": 1280, "height": 960}]
    if kind == "video":
        return {**media, "width": 1280, "height": 720, "duration": 1}
    if kind in ("voice", "audio"):
        return {**media, "duration": 1}
    return media


def _sender_of(kind: str) -> Method:
    async def send(sb: SandboxView, bot: BotState, params: dict[str, Any]) -> Any:
        chat_id = _chat(sb, params)
        caption = _text(params, "caption", MAX_CAPTION, required=False)
        media = _media(sb, params, kind)
        message = bot.new_message(chat_id, params)
        _common(params, message)
        message[kind] = shaped(kind, media)
        if caption:
            message["caption"] = caption
        return message

    return send


async def send_media_group(sb: SandboxView, bot: BotState, params: dict[str, Any]) -> Any:
    chat_id = _chat(sb, params)
    media = params.get("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad("media must include 2-10 items")
    group = str(int(time.time() * 1000))
    messages = []
    for item in media:
        if not isinstance(item, dict) or item.get("type") not in ("photo", "video", "document", "audio"):
            raise bad("invalid media type in the group")
        found = _media(sb, {"m": item.get("media")}, "m")
        message = bot.new_message(chat_id, params)
        message["media_group_id"] = group
        message[item["type"]] = shaped(item["type"], found)
        messages.append(message)
    return messages


async def edit_message_text(sb: SandboxView, bot: BotState, params: dict[str, Any]) -> Any:
    chat_id = _chat(sb, params)
    message_id = _int(params, "message_id")
    text = _text(params, "text", MAX_TEXT, required=True)
    if message_id is None or message_id > bot.message_ids.get(chat_id, 1000):
        raise bad("message to edit not found")
    return {
        **bot.new_message(chat_id, {}),
        "message_id": message_id,
        "text": text,
        "edit_date": int(time.time()),
    }


async def edit_message_reply_markup(sb: SandboxView, bot: BotState, params: dict[str, Any]) -> Any:
    chat_id = _chat(sb, params)
    message_id = _int(params, "message_id")
    if message_id is None or message_id > bot.message_ids.get(chat_id, 1000):
        raise bad("message to edit not found")
    return {**bot.new_message(chat_id, {}), "message_id": message_id, "edit_date": int(time.time())}


async def answer_callback_query(_sb: SandboxView, _bot: BotState, params: dict[str, Any]) -> Any:
    if not params.get("callback_query_id"):
        raise bad("query is too old and response timeout expired or query ID is invalid")
    return True


async def create_forum_topic(sb: SandboxView, bot: BotState, params: dict[str, Any]) -> Any:
    chat_id = _chat(sb, params)
    name = str(params.get("name") or "")
    if not 1 <= len(name) <= 128:
        raise bad("TOPIC_NAME_INVALID" if name else "topic name is empty")
    if chat_id > 0:
        raise bad("the chat is not a forum")
    thread = bot.topics.get(chat_id, 1) + 1
    bot.topics[chat_id] = thread
    return {"message_thread_id": thread, "name": name, "icon_color": 7322096}


async def get_file(sb: SandboxView, _bot: BotState, params: dict[str, Any]) -> Any:
    file_id = str(params.get("file_id") or "")
    entry = sb.files.get(file_id)
    if entry is None:
        raise bad("invalid file_id")
    if entry.size > MAX_DOWNLOAD:
        raise bad("file is too big")
    return {
        "file_id": entry.file_id,
        "file_unique_id": entry.file_unique_id,
        "file_size": entry.size,
        "file_path": entry.path,
    }


METHODS: dict[str, Method] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "sendMessage": send_message,
    "sendPhoto": _sender_of("photo"),
    "sendDocument": _sender_of("document"),
    "sendVoice": _sender_of("voice"),
    "sendMediaGroup": send_media_group,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "answerCallbackQuery": answer_callback_query,
    "createForumTopic": create_forum_topic,
    "getFile": get_file,
}
