"""The account's approved message templates, read from Meta (`GET /{waba_id}/message_templates`), so staff
pick a template with its body text and the right number of parameters instead of typing its name.

A template okno cannot fill (a media header, parameters outside the body, an OTP button) is kept but marked
unusable with the reason: staff see it exists and why it is not offered."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from channels.base import AccountView, AnomalousPayload, SendFailed
from channels.json_shape import Obj, objects, optional, string
from channels.whatsapp.graph import TIMEOUT, GraphAccount, GraphError, answer

SYNCED = "templates_synced"  # the config key the synced list is kept under: {"at": iso, "items": [...]}
WABA_ID = "waba_id"
FIELDS = "name,language,status,category,components,parameter_format"
PAGE_LIMIT = 100
MAX_PAGES = 50  # 5000 templates: far above Meta's 250 per account, and a loop guard for a bad `next`
PARAM = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
# Why okno cannot send a template, in the words of the CLI (the web has its own texts per code).
REASONS = {
    "media_header": "its header needs a file ({detail}), which okno cannot attach",
    "header_params": "its header text has a parameter, okno fills only the body",
    "button_params": "a button needs a parameter ({detail}), okno fills only the body",
    "authentication": "an authentication (one-time code) template",
    "component": "an unsupported part: {detail}",
}


class TemplateSyncError(Exception):
    """Why the templates could not be read: a missing setting or Meta's refusal, said for the admin."""


@dataclass(frozen=True)
class Template:
    name: str
    language: str
    category: str
    body: str
    params: tuple[str, ...] = ()  # in sending order: "1", "2" … or the named parameters' names
    named: bool = False  # parameter_format NAMED: each value goes with its parameter_name
    header: str | None = None  # TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION
    reason: str | None = None  # a REASONS code: why okno cannot send it; None when it can
    detail: str = ""

    @property
    def key(self) -> str:
        """How the `/template` directive names it: name and language."""
        return f"{self.name}:{self.language}"

    @property
    def usable(self) -> bool:
        return self.reason is None

    def why(self) -> str:
        return REASONS[self.reason].format(detail=self.detail) if self.reason else ""

    def directive(self, values: Sequence[str]) -> str:
        """The `/template` directive's tail for these values: `name:lang | v1 | v2`, or `| name=v` when
        the template's parameters are named."""
        clean = [" ".join(v.replace("|", " ").split()) for v in values]  # a "|" would split a value
        parts = [f"{n}={v}" for n, v in zip(self.params, clean, strict=False)] if self.named else clean
        return " | ".join([self.key, *parts])


@dataclass(frozen=True)
class Synced:
    at: datetime
    items: tuple[Template, ...]

    @property
    def usable(self) -> list[Template]:
        return [t for t in self.items if t.usable]

    def as_config(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "items": [asdict(t) | {"params": list(t.params)} for t in self.items],
        }


def synced(config: Mapping[str, object]) -> Synced | None:
    """The list kept on the account by the last sync; None when never synced (or the value is not ours)."""
    raw = config.get(SYNCED)
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("at"), str)
        or not isinstance(raw.get("items"), list)
    ):
        return None
    try:
        at = datetime.fromisoformat(raw["at"])
        items = tuple(
            Template(**{**item, "params": tuple(item.get("params", ()))})
            for item in raw["items"]
            if isinstance(item, dict)
        )
    except (TypeError, ValueError):
        return None
    return Synced(at, items)


def shown_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The account's settings as people read them: the synced list is a count and a time elsewhere, not a
    wall of JSON."""
    return {k: v for k, v in config.items() if k != SYNCED}


def known(templates: Iterable[Template]) -> dict[str, Template]:
    """Templates by `name:lang`, and by bare name where every language of that name takes the same
    parameters (a directive without a language is checked only then)."""
    found: dict[str, Template] = {}
    by_name: dict[str, list[Template]] = {}
    for item in templates:
        found[item.key] = item
        by_name.setdefault(item.name, []).append(item)
    for name, same in by_name.items():
        if len({(t.params, t.named, t.reason) for t in same}) == 1:
            found.setdefault(name, same[0])
    return found


def template_of(data: Obj) -> Template | None:
    """One item of Meta's `data` list; None unless APPROVED."""
    where = "message_templates.data[]"
    if string(data, "status", where).upper() != "APPROVED":
        return None
    name, language = string(data, "name", where), string(data, "language", where)
    category = (optional(data, "category") or "").upper()
    body, header, reason, detail = "", None, None, ""
    for part in objects(data, "components", where):
        kind = (optional(part, "type") or "").upper()
        text = optional(part, "text") or ""
        if kind == "BODY":
            body = text
        elif kind == "HEADER":
            header = (optional(part, "format") or "TEXT").upper()
            if header != "TEXT":
                reason, detail = reason or "media_header", header
            elif PARAM.search(text):
                reason = reason or "header_params"
        elif kind == "BUTTONS":
            for button in objects(part, "buttons", f"{where}.components[]"):
                needs = (optional(button, "type") or "").upper()
                if PARAM.search(optional(button, "url") or "") or needs in ("OTP", "COPY_CODE", "FLOW"):
                    reason, detail = reason or "button_params", needs
        elif kind != "FOOTER":
            reason, detail = reason or "component", kind or "?"
    if category == "AUTHENTICATION":
        reason = reason or "authentication"
    found = list(dict.fromkeys(PARAM.findall(body)))  # each parameter once, as first written
    named = (optional(data, "parameter_format") or "").upper() == "NAMED" or not all(
        p.isdigit() for p in found
    )
    params = tuple(found if named else sorted(found, key=int))
    return Template(name, language, category, body, params, named, header, reason, detail)


async def fetch_templates(
    account: AccountView, *, session: aiohttp.ClientSession | None = None
) -> list[Template]:
    """Every approved template of the account's WhatsApp Business Account, page after page."""
    waba_id = account.config.get(WABA_ID)
    if not isinstance(waba_id, str) or not waba_id.strip():
        raise TemplateSyncError(
            f"WhatsApp account {account.name!r} needs config.{WABA_ID} (the WhatsApp Business Account id, "
            "WhatsApp → API Setup) to read its templates"
        )
    try:
        graph = GraphAccount.of(account)
    except SendFailed as exc:
        raise TemplateSyncError(str(exc)) from None
    own = aiohttp.ClientSession(timeout=TIMEOUT) if session is None else None
    http = session or own
    assert http is not None
    url: str | None = graph.url(waba_id.strip(), "message_templates")
    params: dict[str, str] | None = {"fields": FIELDS, "limit": str(PAGE_LIMIT)}
    found: list[Template] = []
    try:
        for _ in range(MAX_PAGES):
            if url is None:
                break
            async with http.get(url, params=params, headers=graph.auth) as resp:
                page = await answer(resp)
            found += [t for item in objects(page, "data", "message_templates") if (t := template_of(item))]
            url, params = _next(page, graph.base), None  # `next` carries its own query
    except GraphError as exc:
        raise TemplateSyncError(f"Graph API refused the templates of {account.name!r}: {exc}") from None
    except AnomalousPayload as exc:
        raise TemplateSyncError(f"Graph API answered an unexpected shape: {exc}") from None
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TemplateSyncError(f"Graph API unreachable: {exc!r}") from None
    finally:
        if own is not None:
            await own.close()
    return found


def _next(page: Obj, base: str) -> str | None:
    """The next page's URL, only on the Graph API's own host: the bearer token goes with it."""
    paging = page.get("paging")
    link = paging.get("next") if isinstance(paging, dict) else None
    if not isinstance(link, str) or not link:
        return None
    mine, theirs = urlsplit(base), urlsplit(link)
    if (theirs.scheme, theirs.netloc) != (mine.scheme, mine.netloc):
        raise TemplateSyncError(f"Graph API paged to another host: {theirs.netloc}")
    return link
