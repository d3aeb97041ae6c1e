"""The AccountDirectory channels and jobs get: channel_account rows, cached, refreshed on a miss."""

from __future__ import annotations

import asyncio
import hmac
import time

from channels.base import AccountView
from storage.crypto import SecretBox
from storage.db import Database
from storage.repos.accounts import list_channel_accounts, token_digest

# Secret names that authenticate an inbound request, per channel.
TOKEN_SECRET = "inbound_token"  # noqa: S105 (the name of a secret, not one)


class StoredAccounts:
    def __init__(self, db: Database, box: SecretBox, *, min_refresh_s: float = 1.0) -> None:
        self.db = db
        self.box = box
        self.min_refresh_s = min_refresh_s
        self._by_name: dict[tuple[str, str], AccountView] = {}
        self._by_token: dict[tuple[str, str], AccountView] = {}
        self._loaded_at = float("-inf")
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        async with self._lock:
            async with self.db.session() as session:
                rows = await list_channel_accounts(session, active_only=True)
            by_name, by_token = {}, {}
            for row in rows:
                view = AccountView(
                    row.channel, row.name, dict(row.config), self.box.open(row.secrets_encrypted)
                )
                by_name[(row.channel, row.name)] = view
                if token := view.secrets.get(TOKEN_SECRET):
                    by_token[(row.channel, token_digest(token))] = view
            self._by_name, self._by_token = by_name, by_token
            self._loaded_at = time.monotonic()

    async def _refresh_on_miss(self) -> None:
        # Bounded: unknown tokens cannot make every request hit the database.
        if time.monotonic() - self._loaded_at >= self.min_refresh_s:
            await self.refresh()

    async def by_token(self, channel: str, token: str) -> AccountView | None:
        key = (channel, token_digest(token))
        if key not in self._by_token:
            await self._refresh_on_miss()
        view = self._by_token.get(key)
        if view is not None and hmac.compare_digest(view.secrets.get(TOKEN_SECRET, ""), token):
            return view
        return None

    async def by_name(self, channel: str, name: str) -> AccountView | None:
        # Internal callers only (jobs, senders): a miss always looks again, so a just-added account is found.
        if (channel, name) not in self._by_name:
            await self.refresh()
        return self._by_name.get((channel, name))
