"""Saved replies («быстрые ответы»): every member reads the company's list and its codes; supervisors and
admins write them. Every member also keeps their own («Мои»), whose code finds theirs before the company's.
Sent from the reply box (picked, or typed as «/код») and from the staff bot's client topics. Many at once come
from a spreadsheet («Загрузить из таблицы»), read as `okno replies import` reads it: nothing is saved while
any line is wrong, and the page lists each line's problem."""

from __future__ import annotations

from aiohttp import web

from storage.models import SavedReply
from storage.repos.saved_replies import (
    delete_my_reply,
    delete_saved_reply,
    my_replies,
    save_my_reply,
    save_saved_reply,
    saved_replies,
)
from web import replies_upload
from web.queries import staff_names
from web.ui import flash, lang, me, redirect, render, require_role, row_or_404, state, t
from workers.replies_file import (
    CODE_TITLES,
    TEXT_TITLES,
    Problem,
    read_file,
    save_company_replies,
    save_own_replies,
)
from workers.saved_replies import PLACEHOLDERS, SavedReplyError, check_text, normalize_code

EDITORS = ("supervisor", "admin")


async def replies_page(request: web.Request) -> web.Response:
    return await _page(request)


async def _page(
    request: web.Request, *, status: int = 200, problems: list[str] | None = None, problems_for: str = ""
) -> web.Response:
    """The page; `problems` are an uploaded file's, shown by its form (`problems_for`: company or mine)."""
    async with state(request).services.db.session() as session:
        rows = await saved_replies(session)
        mine = await my_replies(session, staff_id=me(request).id or 0)
        names = await staff_names(session)
    editing, editing_mine = request.query.get("edit", ""), request.query.get("edit_mine", "")
    return render(
        request,
        "replies.html",
        status,
        problems=problems or [],
        problems_for=problems_for,
        rows=rows,
        mine=mine,
        shadowed={r.code for r in mine},
        names=names,
        editor=me(request).role in EDITORS,
        editing=next((r for r in rows if r.code == editing), None),
        editing_mine=next((r for r in mine if r.code == editing_mine), None),
        # both spellings work; the page names those of its language
        placeholders=[name for name in PLACEHOLDERS if name.isascii() == (lang(request) == "en")],
    )


async def _code_and_text(request: web.Request, *, back: str) -> tuple[str, str]:
    """The form's code and text, checked; a refusal goes back to the form with its reason."""
    form = await request.post()
    try:
        return normalize_code(str(form.get("code", ""))), check_text(str(form.get("text", "")))
    except SavedReplyError as exc:
        flash(request, f"replies.{exc.reason}", value=exc.value)
        raise redirect(back) from None


async def reply_save(request: web.Request) -> web.Response:
    require_role(request, *EDITORS)
    code, body = await _code_and_text(request, back="/ui/replies#reply-form")
    async with state(request).services.db.session() as session:
        await save_saved_reply(session, code=code, text=body, staff_id=me(request).id)
        await session.commit()
    flash(request, "replies.saved", value=f"/{code}")
    raise redirect("/ui/replies")


async def reply_delete(request: web.Request) -> web.Response:
    require_role(request, *EDITORS)
    async with state(request).services.db.session() as session:
        row = await row_or_404(session, SavedReply, request.match_info["id"])
        await delete_saved_reply(session, code=row.code, staff_id=me(request).id)
        await session.commit()
    flash(request, "replies.deleted", value=f"/{row.code}")
    raise redirect("/ui/replies")


async def my_reply_save(request: web.Request) -> web.Response:
    """A member's own reply: any member writes theirs."""
    code, body = await _code_and_text(request, back="/ui/replies#my-reply-form")
    async with state(request).services.db.session() as session:
        await save_my_reply(session, staff_id=me(request).id or 0, code=code, text=body)
        await session.commit()
    flash(request, "replies.saved", value=f"/{code}")
    raise redirect("/ui/replies#mine")


async def my_reply_delete(request: web.Request) -> web.Response:
    raw = request.match_info["id"]
    async with state(request).services.db.session() as session:
        row = await delete_my_reply(
            session, staff_id=me(request).id or 0, reply_id=int(raw) if raw.isdigit() else 0
        )
        if row is None:  # none, or another member's
            raise web.HTTPNotFound(text="not found")
        await session.commit()
    flash(request, "replies.deleted", value=f"/{row.code}")
    raise redirect("/ui/replies#mine")


async def replies_import(request: web.Request) -> web.Response:
    """The company's replies from a spreadsheet: supervisors and admins, as a single one."""
    data = replies_upload.read(await request.post())  # read first: its temporary file closed, refused or not
    require_role(request, *EDITORS)
    return await _import(request, data, mine=False)


async def my_replies_import(request: web.Request) -> web.Response:
    """A member's own replies from a spreadsheet: any member, into theirs."""
    return await _import(request, replies_upload.read(await request.post()), mine=True)


async def _import(request: web.Request, data: bytes | None, *, mine: bool) -> web.Response:
    if data is None:
        flash(request, "replies.file_missing")
        raise redirect(replies_upload.FORMS[request.path])
    found, problems = read_file(data)
    if problems:  # nothing saved: every line to mend, by its number
        flash(request, "replies.file_refused", count=str(len(problems)))
        texts = [_problem(request, problem) for problem in problems]
        return await _page(request, status=422, problems=texts, problems_for="mine" if mine else "company")
    staff_id = me(request).id or 0
    async with state(request).services.db.session() as session:
        if mine:
            added, rewritten = await save_own_replies(session, found, staff_id=staff_id)
        else:
            added, rewritten = await save_company_replies(session, found, staff_id=staff_id)
        await session.commit()
    flash(request, "replies.imported", added=str(added), rewritten=str(rewritten))
    raise redirect("/ui/replies#mine" if mine else "/ui/replies")


def _problem(request: web.Request, problem: Problem) -> str:
    said = t(request, f"replies.{problem.reason}").format(
        value=problem.value, codes=", ".join(CODE_TITLES), texts=", ".join(TEXT_TITLES)
    )
    return t(request, "replies.file_line").format(line=problem.line, problem=said) if problem.line else said
