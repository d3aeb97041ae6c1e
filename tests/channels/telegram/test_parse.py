"""The parser's promises one by one: keys, albums, edits, contacts, blocks, forwards, topics, refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from channels.base import AnomalousPayload, RawPayload, UnsupportedEvent
from channels.telegram.parse import TelegramAdapter
from intake.schema import InboundMessage
from tests.channels.telegram.updates import DATE, GROUP, IVAN, album, message, photo, text_update, update


def parse(body: dict[str, Any] | bytes) -> InboundMessage:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    [parsed] = TelegramAdapter().parse(RawPayload(account="clients", body=data))
    return parsed


def test_private_text_keys() -> None:
    msg = parse(text_update(501, 7, "Привет"))
    assert (msg.event_id, msg.message_key, msg.conversation_key) == (
        "501",
        f"{IVAN['id']}:7",
        str(IVAN["id"]),
    )
    assert msg.sender.external_id == str(IVAN["id"]) and msg.sender.display_name == "Иван Петров"
    assert msg.sender.username == "ivpetrov" and msg.sent_at.timestamp() == DATE + 7


def test_photo_keeps_the_largest_size_and_the_caption() -> None:
    msg = parse(update(1, message=None) | {"message": message(3, photo=photo("BIG"), caption="Счёт")})
    assert msg.kind == "media" and msg.text == "Счёт"
    assert [(a.kind, a.file_id, a.size) for a in msg.attachments] == [("image", "BIG", 50_000)]


def test_album_parts_share_the_media_group_key() -> None:
    keys = {parse(part).message_key for part in album(10, "g77", ["A", "B", "C"])}
    assert keys == {f"{IVAN['id']}:album:g77"}


def test_edit_carries_the_original_key() -> None:
    edited = message(7, text="Привет, исправлено", edit_date=DATE + 100)
    msg = parse({"update_id": 2, "edited_message": edited})
    assert (msg.kind, msg.message_key, msg.text) == ("edit", f"{IVAN['id']}:7", "Привет, исправлено")
    assert msg.sent_at.timestamp() == DATE + 100


def test_own_contact_sets_the_phone_someone_elses_does_not() -> None:
    own = {"phone_number": "+79161234567", "first_name": "Иван", "user_id": IVAN["id"]}
    other = {"phone_number": "+79990000000", "first_name": "Бухгалтер", "user_id": 1}
    assert parse(update(1) | {"message": message(4, contact=own)}).sender.phone == "+79161234567"
    assert parse(update(2) | {"message": message(5, contact=other)}).sender.phone is None


def test_blocked_and_unblocked_are_system_with_reachability() -> None:
    def member(old: str, new: str) -> dict[str, Any]:
        bot = {"id": 1, "is_bot": True, "first_name": "bot"}
        return {
            "chat": {"id": IVAN["id"], "first_name": "Иван", "type": "private"},
            "from": IVAN,
            "date": DATE,
            "old_chat_member": {"user": bot, "status": old, **({"until_date": 0} if old == "kicked" else {})},
            "new_chat_member": {"user": bot, "status": new, **({"until_date": 0} if new == "kicked" else {})},
        }

    blocked = parse({"update_id": 3, "my_chat_member": member("member", "kicked")})
    unblocked = parse({"update_id": 4, "my_chat_member": member("kicked", "member")})
    assert (blocked.kind, blocked.status) == ("system", "unreachable")
    assert (unblocked.kind, unblocked.status) == ("system", "reachable")


def test_forward_keeps_the_origin() -> None:
    origin = {
        "type": "user",
        "date": DATE - 50,
        "sender_user": {"id": 9, "is_bot": False, "first_name": "Пётр"},
    }
    msg = parse(text_update(6, 8, "Вот что прислал поставщик", forward_origin=origin))
    assert msg.text == "↪ Переслано от Пётр\nВот что прислал поставщик"


def test_reply_points_at_the_quoted_message() -> None:
    quoted = message(5, text="Когда будет акт?")
    assert parse(text_update(7, 9, "Завтра", reply_to_message=quoted)).reply_to_key == f"{IVAN['id']}:5"


def test_forum_topic_is_its_own_conversation_and_plain_threads_are_not() -> None:
    forum = {**GROUP, "is_forum": True}
    in_topic = parse(text_update(8, 40, "В теме", chat=forum, message_thread_id=30, is_topic_message=True))
    in_thread = parse(text_update(9, 41, "В ветке", chat=GROUP, message_thread_id=30))
    assert in_topic.conversation_key == f"{GROUP['id']}:30"
    assert in_thread.conversation_key == str(GROUP["id"])


def test_group_service_message_and_channel_post_are_system() -> None:
    joined = parse(update(10) | {"message": message(1, chat=GROUP, new_chat_members=[IVAN])})
    channel = {"id": -100777, "title": "Новости", "type": "channel"}
    post = parse(
        {"update_id": 11, "channel_post": {"message_id": 2, "chat": channel, "date": DATE, "text": "Акция"}}
    )
    assert joined.kind == "system" and "new_chat_members" in (joined.text or "")
    assert post.kind == "system" and post.sender.external_id == "chat:-100777"


def test_callback_and_join_request_are_system() -> None:
    on = message(
        12, user={"id": 1, "is_bot": True, "first_name": "bot"}, chat={"id": IVAN["id"], "type": "private"}
    )
    cb = parse(
        {
            "update_id": 12,
            "callback_query": {
                "id": "cb1",
                "from": IVAN,
                "chat_instance": "x",
                "data": "status",
                "message": on,
            },
        }
    )
    join = parse(
        {
            "update_id": 13,
            "chat_join_request": {"chat": GROUP, "from": IVAN, "user_chat_id": IVAN["id"], "date": DATE},
        }
    )
    assert (cb.kind, cb.reply_to_key, cb.conversation_key) == ("system", f"{IVAN['id']}:12", str(IVAN["id"]))
    assert join.kind == "system" and join.conversation_key == str(GROUP["id"])


def test_reaction_targets_the_message() -> None:
    body = {
        "chat": GROUP,
        "message_id": 55,
        "user": IVAN,
        "date": DATE,
        "old_reaction": [],
        "new_reaction": [{"type": "emoji", "emoji": "👍"}],
    }
    msg = parse({"update_id": 14, "message_reaction": body})
    assert (msg.kind, msg.message_key, msg.text) == ("reaction", f"{GROUP['id']}:55", "👍")


@pytest.mark.parametrize(
    ("body", "error", "reason"),
    [
        (b"{not json", AnomalousPayload, "not JSON"),
        (b"[1, 2]", AnomalousPayload, "JSON object"),
        (b'{"message": {}}', AnomalousPayload, "update_id"),
        (b'{"update_id": 1}', AnomalousPayload, "exactly one update field"),
        (b'{"update_id": 1, "message": {"text": "no chat"}}', AnomalousPayload, "Bot API shape"),
        (b'{"update_id": 1, "message": "text"}', AnomalousPayload, "JSON object"),
        (  # found by the fuzz test: lax ints let a 270-digit message_id through to a key past 255 characters
            b'{"update_id": 1, "message": {"message_id": "' + b"7" * 270 + b'", "date": 1682191229, '
            b'"chat": {"id": 5, "type": "private"}, "text": "hi"}}',
            AnomalousPayload,
            "message_key: String should have at most 255 characters",
        ),
        (b'{"update_id": 1, "brand_new_kind": {}}', UnsupportedEvent, "brand_new_kind"),
        (b'{"update_id": 1, "poll": {}}', UnsupportedEvent, "poll"),
    ],
)
def test_refusals_name_the_reason(body: bytes, error: type[Exception], reason: str) -> None:
    with pytest.raises(error) as refused:
        parse(body)
    assert reason in str(refused.value)


def test_bot_commands_are_system_not_requests() -> None:
    command = {"offset": 0, "length": 6, "type": "bot_command"}
    assert parse(text_update(15, 16, "/start", entities=[command])).kind == "system"
    assert (
        parse(text_update(16, 17, "/start — это команда", entities=[])).kind == "text"
    )  # no entity, no command
