"""Files a manager attaches to a reply on the request page: checked, kept in blob storage, sent as
AttachmentRefs (workers/outbound.queue_reply)."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web
from multidict import MultiDictProxy

from intake.schema import AttachmentRef
from storage.blobs import BlobStore

# 20 MB a file, 5 a reply: under every channel's own limit (Telegram bots send up to 50 MB, WhatsApp documents
# 100 MB) and, five together, about what mail servers commonly take in one letter (25 MB in all); more
# belongs in a file exchange, not a chat.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 5
# The reply form's whole body: the files at their limit and the text; aiohttp refuses more (413) before
# the handler sees it, so the limit of a file is told as a page, not as an error.
MAX_BODY_BYTES = MAX_FILES * MAX_FILE_BYTES + 1024 * 1024
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"<>:|?*]')

Kind = Literal["image", "video", "audio", "document"]


@dataclass(frozen=True)
class Refused(Exception):
    """Why the files were not taken: a texts key (web/texts.py) and its {fields}."""

    key: str
    values: dict[str, str]


def read(form: MultiDictProxy[Any]) -> list[tuple[web.FileField, bytes]]:
    """The bytes of each file picked in the form's `files` field, or Refused when there are too many, one is
    empty or too large. The uploads' temporary files are closed here, read or not."""
    files = [f for f in form.getall("files", []) if isinstance(f, web.FileField)]
    try:
        return _checked(files)
    finally:
        for upload in files:
            upload.file.close()


def _checked(files: list[web.FileField]) -> list[tuple[web.FileField, bytes]]:
    if len(files) > MAX_FILES:
        raise Refused("conv.files_too_many", {"most": str(MAX_FILES)})
    read: list[tuple[web.FileField, bytes]] = []
    for upload in files:
        data = upload.file.read(MAX_FILE_BYTES + 1)
        if not data:
            raise Refused("conv.file_empty", {"name": safe_name(upload.filename)})
        if len(data) > MAX_FILE_BYTES:
            most = str(MAX_FILE_BYTES // (1024 * 1024))
            raise Refused("conv.file_too_large", {"name": safe_name(upload.filename), "most": most})
        read.append((upload, data))
    return read


async def store(blobs: BlobStore, files: list[tuple[web.FileField, bytes]]) -> tuple[AttachmentRef, ...]:
    """The files in blob storage, as the references a sender reads them by."""
    refs = []
    for upload, data in files:
        name = safe_name(upload.filename)
        mime = _mime(upload.content_type, name)
        key = await blobs.put(data)
        refs.append(AttachmentRef(kind=kind_of(mime), filename=name, mime=mime, size=len(data), blob_key=key))
    return tuple(refs)


def safe_name(raw: str) -> str:
    """The file's own name without any folder part (a browser may send «C:\\Users\\…\\акт.pdf») or control
    characters; the client sees it as the file's name."""
    name = _UNSAFE.sub("_", raw.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return name[:255] or "file"


def kind_of(mime: str) -> Kind:
    top = mime.split("/", 1)[0]
    return (
        "image"
        if top == "image"
        else "audio"
        if top == "audio"
        else "video"
        if top == "video"
        else "document"
    )


def _mime(sent: str | None, name: str) -> str:
    if sent and sent != "application/octet-stream":
        return sent
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
