"""What a Telegram Message carries, read by a table of handlers per content field (Zulip-style)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from aiogram.types import (
    Animation,
    Document,
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    User,
    Video,
)

from channels.telegram.texts import say
from intake.schema import AttachmentRef

# Messages that record a change in the chat rather than something a person wrote (stored, no request).
SERVICE_FIELDS = (
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "channel_chat_created",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "pinned_message",
    "message_auto_delete_timer_changed",
    "write_access_allowed",
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
    "video_chat_scheduled",
    "video_chat_started",
    "video_chat_ended",
    "video_chat_participants_invited",
    "users_shared",
    "chat_shared",
    "connected_website",
    "proximity_alert_triggered",
    "boost_added",
    "chat_background_set",
    "giveaway_created",
    "giveaway_completed",
    "giveaway_winners",
    "gift",
    "unique_gift",
    "paid_message_price_changed",
    "successful_payment",
    "refunded_payment",
)
# Content a client can send that okno does not model: kept as a system message naming it.
NOT_MODELLED = ("dice", "poll", "story", "game", "invoice", "giveaway", "paid_media", "checklist")


@dataclass
class Content:
    texts: list[str] = field(default_factory=list)
    attachments: list[AttachmentRef] = field(default_factory=list)
    phone: str | None = None  # the sender's own phone, when they shared their contact


Handler = Callable[[Message, Content], None]


def _photo(message: Message, out: Content) -> None:
    largest = max(message.photo or [], key=lambda p: (p.width * p.height, p.file_size or 0))
    out.attachments.append(
        AttachmentRef(kind="image", mime="image/jpeg", size=largest.file_size, file_id=largest.file_id)
    )


def _named_file(
    kind: Literal["document", "video"], file: Document | Video | Animation | None
) -> AttachmentRef:
    """A file Telegram sends with its own name and MIME type (documents, videos, animations)."""
    assert file is not None
    return AttachmentRef(
        kind=kind, filename=file.file_name, mime=file.mime_type, size=file.file_size, file_id=file.file_id
    )


def _document(message: Message, out: Content) -> None:
    out.attachments.append(_named_file("document", message.document))


def _audio(message: Message, out: Content) -> None:
    audio = message.audio
    assert audio is not None
    out.attachments.append(
        AttachmentRef(
            kind="audio",
            filename=audio.file_name or audio.title,
            mime=audio.mime_type,
            size=audio.file_size,
            file_id=audio.file_id,
        )
    )


def _voice(message: Message, out: Content) -> None:
    voice = message.voice
    assert voice is not None
    out.attachments.append(
        AttachmentRef(
            kind="voice", mime=voice.mime_type or "audio/ogg", size=voice.file_size, file_id=voice.file_id
        )
    )


def _video(message: Message, out: Content) -> None:
    out.attachments.append(_named_file("video", message.video))


def _video_note(message: Message, out: Content) -> None:
    note = message.video_note
    assert note is not None
    out.attachments.append(
        AttachmentRef(kind="video", mime="video/mp4", size=note.file_size, file_id=note.file_id)
    )


def _animation(message: Message, out: Content) -> None:
    out.attachments.append(_named_file("video", message.animation))


def _sticker(message: Message, out: Content) -> None:
    sticker = message.sticker
    assert sticker is not None
    out.attachments.append(AttachmentRef(kind="sticker", size=sticker.file_size, file_id=sticker.file_id))
    if sticker.emoji:
        out.texts.append(sticker.emoji)


def _location(message: Message, out: Content) -> None:
    if message.venue is not None:
        return  # a venue carries its own location
    loc = message.location
    assert loc is not None
    out.texts.append(say("location", lat=loc.latitude, lon=loc.longitude))
    out.attachments.append(AttachmentRef(kind="location", url=f"geo:{loc.latitude},{loc.longitude}"))


def _venue(message: Message, out: Content) -> None:
    venue = message.venue
    assert venue is not None
    out.texts.append(say("venue", title=venue.title, address=venue.address))
    loc = venue.location
    out.attachments.append(AttachmentRef(kind="location", url=f"geo:{loc.latitude},{loc.longitude}"))


def _contact(message: Message, out: Content) -> None:
    contact = message.contact
    assert contact is not None
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    out.texts.append(say("contact", name=name, phone=contact.phone_number).strip())
    out.attachments.append(AttachmentRef(kind="contact", filename=name or None))
    # Only a share of one's own contact proves a phone: someone else's card must not merge identities.
    if message.from_user is not None and contact.user_id == message.from_user.id:
        out.phone = contact.phone_number


CONTENT_HANDLERS: dict[str, Handler] = {
    "photo": _photo,
    "document": _document,
    "audio": _audio,
    "voice": _voice,
    "video": _video,
    "video_note": _video_note,
    "animation": _animation,
    "sticker": _sticker,
    "location": _location,
    "venue": _venue,
    "contact": _contact,
}


def read_content(message: Message) -> Content:
    out = Content()
    if body := message.text or message.caption:
        out.texts.append(body)
    for name, handler in CONTENT_HANDLERS.items():
        if getattr(message, name) is not None:
            handler(message, out)
    if message.animation is not None and message.document is not None:
        out.attachments = [
            a for a in out.attachments if a.kind != "document"
        ]  # Telegram sends both for a GIF
    if origin := forward_origin(message):
        out.texts.insert(0, say("forwarded", origin=origin))
    return out


def service_field(message: Message) -> str | None:
    return next((name for name in SERVICE_FIELDS if getattr(message, name, None)), None)


def not_modelled_field(message: Message) -> str | None:
    return next((name for name in NOT_MODELLED if getattr(message, name, None) is not None), None)


def full_name(user: User) -> str:
    return " ".join(p for p in (user.first_name, user.last_name) if p)


def forward_origin(message: Message) -> str | None:
    """Who wrote a forwarded message first (Bot API 7 `forward_origin`, or the older forward_* fields)."""
    origin = message.forward_origin
    if origin is None:
        return _legacy_origin(message)
    if isinstance(origin, MessageOriginHiddenUser):
        return say("hidden_user", name=origin.sender_user_name)
    if isinstance(origin, MessageOriginChannel):
        return _chat_title(origin.chat.title, origin.author_signature)
    if isinstance(origin, MessageOriginChat):
        return _chat_title(origin.sender_chat.title, origin.author_signature)
    user = getattr(origin, "sender_user", None)
    return full_name(user) if isinstance(user, User) else origin.type


def _legacy_origin(message: Message) -> str | None:
    if message.forward_from is not None:
        return full_name(message.forward_from)
    if message.forward_from_chat is not None:
        return _chat_title(message.forward_from_chat.title, message.forward_signature)
    return message.forward_sender_name


def _chat_title(title: str | None, signature: str | None) -> str:
    return f"{title or '?'} ({signature})" if signature else (title or "?")
