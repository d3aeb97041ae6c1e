"""Fixtures of the reliability tests: a private Redis and a private PostgreSQL that a test may stop and start
(never the machine's shared servers), and okno's services on them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from okno.services import Services, build_services
from storage.db import Database
from tests.conftest import make_settings
from tests.reliability.harness.infra import PrivatePostgres, PrivateRedis


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    server.init()
    server.start()
    yield server
    server.close()


@pytest.fixture
async def arq_services(
    tmp_path: Path, db_url: str, db: Database, private_redis: PrivateRedis
) -> AsyncIterator[Services]:
    """Services on the production queue (arq) over the private Redis, the sweeper taking anything at once."""
    settings = make_settings(
        tmp_path,
        db_url,
        queue={
            "backend": "arq",
            "redis_url": private_redis.url,
            "sweep_min_age_s": 0,
            "outbox_stuck_after_s": 5,
        },
    )
    services = await build_services(settings)
    yield services
    await services.close()
