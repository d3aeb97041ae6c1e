"""Client media from Meta: GET /{media-id} -> a short-lived URL -> download with the bearer token.

Size, MIME and Meta's sha256 are checked; MediaRefused means asking again will not help (too large, wrong
type, expired id), any other error (network, 5xx) is worth a retry. Storing the bytes is the caller's job."""

from __future__ import annotations

import hashlib

import aiohttp

from channels.media import Downloaded, MediaRefused, read_limited
from channels.whatsapp.graph import TIMEOUT, GraphAccount, GraphError, answer
from channels.whatsapp.payloads import MAX_BYTES

# Meta's inbound media types, by attachment kind; other kinds (location, contact) have no file to fetch.
ALLOWED_PREFIXES = {
    "image": ("image/",),
    "sticker": ("image/webp",),
    "video": ("video/",),
    "audio": ("audio/",),
    "voice": ("audio/",),
    "document": ("",),
}


async def download_media(graph: GraphAccount, media_id: str, kind: str) -> Downloaded:
    limit = MAX_BYTES.get("audio" if kind == "voice" else kind, MAX_BYTES["document"])
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        try:
            async with http.get(graph.url(media_id), headers=graph.auth) as resp:
                info = await answer(resp)
        except GraphError as exc:
            if exc.http_status in (400, 404):  # expired or unknown media id: asking again will not help
                raise MediaRefused(str(exc)) from None
            raise
        url, mime, size = info.get("url"), str(info.get("mime_type") or ""), info.get("file_size")
        if not isinstance(url, str):
            raise MediaRefused("the media lookup gave no URL")
        _check(kind, mime, size if isinstance(size, int) else None, limit)
        async with http.get(url, headers=graph.auth) as resp:
            if resp.status >= 500:
                raise aiohttp.ClientResponseError(resp.request_info, (), status=resp.status)
            if resp.status >= 300:
                raise MediaRefused(f"download answered {resp.status}")
            data = await read_limited(resp, limit)
    digest = info.get("sha256")
    if isinstance(digest, str) and len(digest) == 64 and digest != hashlib.sha256(data).hexdigest():
        raise aiohttp.ClientPayloadError("downloaded bytes do not match the sha256 Meta gave")
    return Downloaded(data, mime)


def _check(kind: str, mime: str, size: int | None, limit: int) -> None:
    if size is not None and size > limit:
        raise MediaRefused(f"{size} bytes is over the {kind} limit of {limit}")
    if not mime.startswith(ALLOWED_PREFIXES.get(kind, ("",))):
        raise MediaRefused(f"MIME {mime!r} is not a {kind}")
