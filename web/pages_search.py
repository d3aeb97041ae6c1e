"""Search from the header: messages, call transcripts, clients and INNs — only what the reader may see."""

from __future__ import annotations

from aiohttp import web
from markupsafe import Markup, escape

from storage.repos.search import MARK_END, MARK_START, SearchResults, search
from web.ui import me, render, state

QUERY_MAX = 200


def highlighted(snippet: str) -> Markup:
    """The engine's snippet, escaped, with its match markers turned into <mark>."""
    return escape(snippet).replace(MARK_START, Markup("<mark>")).replace(MARK_END, Markup("</mark>"))


async def search_page(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:QUERY_MAX]
    staff = me(request)
    results = SearchResults(query=query)
    if query:
        async with state(request).services.db.session() as session:
            results = await search(
                session, query=query, staff_id=staff.id if staff.role == "manager" else None
            )
    return render(request, "search.html", q=query, results=results, highlighted=highlighted)
