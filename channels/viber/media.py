"""Client files from Viber: the callback's `media` URL is public and expires, so it is fetched soon, with a
size cap. MediaRefused means asking again will not help (expired, too large); any other error (network,
5xx) is worth a retry. Storing the bytes is the caller's job."""

from __future__ import annotations

import aiohttp

from channels.media import Downloaded, MediaRefused, read_limited
from channels.viber.api import TIMEOUT

MAX_BYTES = 100 << 20
FILE_KINDS = ("image", "video", "document", "sticker")  # location and contact have no file


async def download(url: str, *, limit: int = MAX_BYTES) -> Downloaded:
    if not url.startswith(("https://", "http://")):
        raise MediaRefused(f"{url[:60]!r} is not a link to a file")
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http, http.get(url) as resp:
        if resp.status >= 500:
            raise aiohttp.ClientResponseError(resp.request_info, (), status=resp.status)
        if resp.status >= 300:  # Viber's links expire: 403/404 will not come back
            raise MediaRefused(f"download answered {resp.status}")
        if resp.content_length is not None and resp.content_length > limit:
            raise MediaRefused(f"{resp.content_length} bytes is over the limit of {limit}")
        data = await read_limited(resp, limit)
        return Downloaded(data, resp.content_type or "application/octet-stream")
