"""Find a client the way staff name one: "Ромашка", "Ромашкой", "Romashka", an INN, a phone, an email, a
contact's name. Names are matched in Python (SQLite's LIKE folds only ASCII case), digits in SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from storage.models import Client, ClientContact, Contact

LEGAL_FORMS = {"ооо", "ао", "зао", "пао", "оао", "ип", "нко", "llc", "ltd", "inc", "ooo", "ao", "ip"}
_ENDINGS = re.compile(r"(ой|ей|ою|ею|ом|ем|ами|ями|ах|ях|ов|ев|ую|юю|а|я|у|ю|е|и|ы|о)$")
_LATIN = {
    **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
    **{"ё": "e", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ю": "yu", "я": "ya"},
    **{"ъ": "", "ь": ""},
}
MAX_SCAN = 5000
MAX_HITS = 8


@dataclass(frozen=True)
class ClientHit:
    kind: str  # client | contact (a person with no company yet)
    id: int
    label: str
    score: int


def latin(word: str) -> str:
    return "".join(_LATIN.get(ch, ch) for ch in word.casefold()).replace("kh", "h")


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w-]+", text.casefold().replace("ё", "е")) if w not in LEGAL_FORMS]


def _stem(word: str) -> str:
    return _ENDINGS.sub("", word) if len(word) > 4 else word


def name_score(query: str, name: str) -> int:
    """3 exact word, 2 the same word in another case or script, 0 no match."""
    asked = [w for w in _words(query) if len(w) >= 3]
    have = _words(name)
    if not asked or not have:
        return 0
    best = 0
    for q in asked:
        for w in have:
            if q == w:
                best = max(best, 3)
            elif (len(_stem(q)) >= 3 and w.startswith(_stem(q))) or latin(w).startswith(latin(_stem(q))):
                best = max(best, 2)
    return best


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


async def _by_digits(session: AsyncSession, digits: str) -> list[ClientHit]:
    hits: list[ClientHit] = []
    for client in (await session.execute(select(Client).where(col(Client.inn) == digits))).scalars():
        hits.append(ClientHit("client", client.id or 0, _client_label(client), 4))
    tail = digits[-10:]
    contacts = (
        await session.execute(select(Contact).where(col(Contact.phone).like(f"%{tail}")).limit(MAX_HITS))
    ).scalars()
    for contact in contacts:
        hits += await _contact_hits(session, contact, 4)
    return hits


async def _contact_hits(session: AsyncSession, contact: Contact, score: int) -> list[ClientHit]:
    """A contact leads to their companies; a contact with none is a hit of its own."""
    clients = (
        (
            await session.execute(
                select(Client)
                .join(ClientContact, col(ClientContact.client_id) == col(Client.id))
                .where(col(ClientContact.contact_id) == contact.id)
            )
        )
        .scalars()
        .all()
    )
    if clients:
        return [ClientHit("client", c.id or 0, _client_label(c), score) for c in clients]
    label = " ".join(filter(None, (contact.display_name, contact.phone, contact.email))) or f"#{contact.id}"
    return [ClientHit("contact", contact.id or 0, label, score)]


def _client_label(client: Client) -> str:
    return f"{client.name} (ИНН {client.inn})" if client.inn else client.name


async def find_clients(session: AsyncSession, *, query: str) -> list[ClientHit]:
    """Best matches first; an exact INN or phone beats a name."""
    query = query.strip()
    hits: list[ClientHit] = []
    if len(digits := _digits(query)) >= 7:
        hits = await _by_digits(session, digits)
    if "@" in query:
        contact = (
            (await session.execute(select(Contact).where(col(Contact.email) == query.lower())))
            .scalars()
            .first()
        )
        hits += await _contact_hits(session, contact, 4) if contact else []
    if not hits:
        for client in (await session.execute(select(Client).limit(MAX_SCAN))).scalars():
            if score := name_score(query, client.name):
                hits.append(ClientHit("client", client.id or 0, _client_label(client), score))
        named = select(Contact).where(or_(col(Contact.display_name).is_not(None))).limit(MAX_SCAN)
        for contact in (await session.execute(named)).scalars():
            if contact.merged_into_id is None and (score := name_score(query, contact.display_name or "")):
                hits += await _contact_hits(session, contact, score - 1)
    best: dict[tuple[str, int], ClientHit] = {}
    for hit in hits:
        key = (hit.kind, hit.id)
        if key not in best or best[key].score < hit.score:
            best[key] = hit
    ranked = sorted(best.values(), key=lambda h: (-h.score, h.label))
    top = ranked[0].score if ranked else 0
    return [h for h in ranked if h.score == top][:MAX_HITS]
