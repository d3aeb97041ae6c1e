"""GET /files/{token}/{name}: a stored file by its signed, expiring public link (storage.blob_links), for
the platforms that fetch a manager's file by URL (Viber). No sign-in: the link is the permission."""

from __future__ import annotations

from aiohttp import web

from storage.blob_links import PATH, BlobLinks
from storage.blobs import BlobStore
from web.file_response import file_response


def routes(links: BlobLinks, blobs: BlobStore) -> list[web.RouteDef]:
    async def public_file(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        found = links.read(request.match_info["token"], name)
        if found is None:  # forged, for another name, or expired: nothing is said about which
            raise web.HTTPNotFound(text="no such file")
        blob_key, mime = found
        try:
            data = await blobs.get(blob_key)
        except (FileNotFoundError, ValueError):  # erased since (okno privacy forget, retention)
            raise web.HTTPNotFound(text="no such file") from None
        return file_response(
            data, mime, name=name, inline=False, headers={"Cache-Control": "private, max-age=3600"}
        )

    return [web.get(PATH + "/{token}/{name}", public_file)]
