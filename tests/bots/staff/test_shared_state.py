"""With Redis (the arq backend) every process's staff bot reads the same chat state: behind a proxy with N
servers, the update after "/client Ромашка" may reach another process than the one that answered it."""

from __future__ import annotations

from pathlib import Path

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage

from bots.staff.bot import staff_bot_of
from okno.services import build_services
from storage.db import Database
from tests.conftest import make_settings
from tests.reliability.harness.infra import PrivateRedis


async def test_two_processes_share_a_chats_state(
    tmp_path: Path, db_url: str, db: Database, private_redis: PrivateRedis
) -> None:
    settings = make_settings(
        tmp_path, db_url, queue={"backend": "arq", "redis_url": private_redis.url, "prefix": "okno-fsm"}
    )
    first, second = await build_services(settings), await build_services(settings)
    try:
        one, two = staff_bot_of(first.jobs).dispatcher, staff_bot_of(second.jobs).dispatcher
        assert isinstance(one.storage, RedisStorage) and one.storage is not two.storage
        key = StorageKey(bot_id=42, chat_id=1001, user_id=1001)
        await one.storage.set_state(key, "follow_up")
        await one.storage.set_data(key, {"client_id": 7})
        assert await two.storage.get_state(key) == "follow_up"
        assert await two.storage.get_data(key) == {"client_id": 7}
    finally:
        await first.close()
        await second.close()


async def test_a_single_box_keeps_chat_state_in_memory(tmp_path: Path, db_url: str, db: Database) -> None:
    services = await build_services(make_settings(tmp_path, db_url, queue={"backend": "inline"}))
    try:
        assert isinstance(staff_bot_of(services.jobs).dispatcher.storage, MemoryStorage)
    finally:
        await services.close()
