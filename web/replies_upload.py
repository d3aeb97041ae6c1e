"""«Загрузить из таблицы» on /ui/replies: a CSV of saved replies uploaded into the company's list or a
member's own, its size checked here before workers/replies_file.py reads it as `okno replies import` does."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

# Forty phrases take a few kilobytes; 1 MB holds over a hundred replies at their longest (4,000 Cyrillic
# characters, 8 KB) and thousands of everyday ones. More is a wrong file (a workbook with pictures, a mail
# export).
MAX_FILE_BYTES = 1024 * 1024
# The form's whole body: the file at its limit, the CSRF token and the parts' headers. aiohttp refuses more
# (413) before the handler sees it; web/ui.py gives the page back with the reason instead.
MAX_BODY_BYTES = MAX_FILE_BYTES + 64 * 1024
# each upload's path -> its form on the page, where a refusal goes back to
FORMS = {
    "/ui/replies/import": "/ui/replies#import-form",
    "/ui/replies/mine/import": "/ui/replies#my-import-form",
}


def read(form: MultiDictProxy[Any]) -> bytes | None:
    """The bytes of the form's `file`, None when none was picked; a file over MAX_FILE_BYTES raises 413 (told
    as the page's notice by web/ui.py). The upload's temporary file is closed here."""
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        return None
    with upload.file:
        data = upload.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_FILE_BYTES, actual_size=len(data))
    return data
