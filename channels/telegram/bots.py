"""One aiogram Bot per client bot account, pointed at the real Bot API or at `api_base` (the sandbox)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer

from channels.base import AccountView

BOT_TOKEN = "bot_token"  # noqa: S105 (the name of a secret, not one)


class MissingToken(LookupError):
    pass


def api_server(account: AccountView) -> TelegramAPIServer:
    base = account.config.get("api_base")
    return TelegramAPIServer.from_base(str(base).rstrip("/")) if base else PRODUCTION


def bot_token(account: AccountView) -> str:
    token = account.secrets.get(BOT_TOKEN)
    if not token:
        raise MissingToken(f"telegram account {account.name!r} has no {BOT_TOKEN} secret")
    return token


class BotPool:
    """Bots are cached per (token, server): each keeps one HTTP session, closed with the pool."""

    def __init__(self) -> None:
        self._bots: dict[tuple[str, str], Bot] = {}

    def get(self, account: AccountView) -> Bot:
        token, server = bot_token(account), api_server(account)
        key = (token, server.base)
        if key not in self._bots:
            self._bots[key] = Bot(token, session=AiohttpSession(api=server))
        return self._bots[key]

    async def close(self) -> None:
        for bot in self._bots.values():
            await bot.session.close()
        self._bots.clear()
