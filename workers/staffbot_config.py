"""The staff bot's settings group (OKNO_STAFFBOT__*): workers and the bot read it, okno's Settings includes
it. The SLA clock is not here: the company calendar (business hours, holidays) is edited by an admin in the
web UI and sets each request's SLA deadline at intake (intake/sla.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field

LANGUAGES = ("ru", "en")
# how people write a language (the bot's /lang, an HR file's «Язык» column) -> its code
LANGUAGE_WORDS = {
    "ru": "ru", "русский": "ru", "рус": "ru", "russian": "ru",
    "en": "en", "english": "en", "английский": "en", "англ": "en",
}  # fmt: skip


class StaffBotSettings(BaseModel):
    account: str = "staff"  # the ChannelAccount (channel "telegram_staff") holding the bot token
    forum_chat_id: int | None = None  # the staff supergroup with topics: one topic per client conversation
    supervisor_chat_id: int | None = None  # a supervisors' group: level-0 alerts and the daily digest
    escalation_minutes: int = Field(default=15, ge=1)  # an unacknowledged alert goes one level up
    reminder_minutes: int = Field(default=60, ge=1)  # a task reminder this long before its due time
    digest_hour: int = Field(default=9, ge=0, le=23)  # company time
    web_url: str | None = (
        None  # where links in messages point (the staff web UI); default OKNO_HTTP__PUBLIC_URL
    )
    language: str = "ru"
