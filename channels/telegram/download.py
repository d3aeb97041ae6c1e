"""Getting a client's file out of Telegram: getFile, then the download URL; the Bot API stops at 20 MB."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

MAX_DOWNLOAD = 20 * 1024 * 1024


@dataclass(frozen=True)
class Downloaded:
    data: bytes | None
    # Why there is no data: the file stays a file_id in okno and is fetched by hand if needed.
    kept_as_file_id: str | None = None


async def download(bot: Bot, file_id: str, *, known_size: int | None) -> Downloaded:
    if known_size is not None and known_size > MAX_DOWNLOAD:
        return Downloaded(None, f"over the Bot API's 20 MB download limit ({known_size} bytes)")
    try:
        info = await bot.get_file(file_id)
    except TelegramBadRequest as exc:
        if "too big" in exc.message:
            return Downloaded(None, "over the Bot API's 20 MB download limit")
        raise
    if info.file_path is None:
        return Downloaded(None, "Telegram gave no file_path")
    if info.file_size is not None and info.file_size > MAX_DOWNLOAD:
        return Downloaded(None, f"over the Bot API's 20 MB download limit ({info.file_size} bytes)")
    stream = await bot.download_file(info.file_path)
    assert stream is not None  # without a destination aiogram returns the bytes in a BytesIO
    return Downloaded(stream.read())
