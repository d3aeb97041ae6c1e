"""Client summary, incremental: the stored rolling summary plus only the messages since, folded in batches,
so the prompt does not grow with the client's history. Every point cites message ids, checked in code.

The model writes only what the messages tell (recent, mood, promises, risks). Who the client is and their open
requests come from the client card in code (`card_points`): a small model asked to copy them spent its tokens
on it and put the card into other sections (the demo's "mood" was the client's name and phone)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from assistant.due_dates import Due, resolve_due
from assistant.llm import ChatRunner, Usage
from assistant.prompting import fence, messages, unfence
from assistant.schemas import POINT_CHARS, ClientNarrative, NarrativePoint, SummaryPoint, narrative_citing
from assistant.wording import amounts, content_words
from intake.request_form import essence

log = logging.getLogger(__name__)
BATCH = 20  # new messages per model call
# The most new messages one run reads, the latest ones. A first summary of a long history (an imported
# mailbox) or of a client unread for months would otherwise hold the model ~11 s per batch: 5,000 messages,
# 45 minutes, with every conflict check of the queue waiting behind it. What is older stays in the history
# and in the retrieval's answers.
MAX_NEW = 3 * BATCH
MESSAGE_CHARS = 400
LANGUAGES = {"ru": "Russian", "en": "English", "uk": "Ukrainian"}
NARRATIVE = ("recent", "mood", "promises", "risks")  # the sections the model writes
# the card's labels: (INN, contacts, no open requests, due)
CARD_LABELS = {
    "ru": ("ИНН", "контакты", "открытых запросов нет", "срок"),
    "uk": ("ІПН", "контакти", "відкритих запитів немає", "термін"),
    "en": ("INN", "contacts", "no open requests", "due"),
}
# a quote of the newest message when no point cites it: (the client's, a staff member's)
LATEST_LABELS = {
    "ru": ("Последнее сообщение клиента", "Последнее сообщение"),
    "uk": ("Останнє повідомлення клієнта", "Останнє повідомлення"),
    "en": ("The client's latest message", "Latest message"),
}
LATEST_PREFIXES = tuple(label for pair in LATEST_LABELS.values() for label in pair)
LATEST_CHARS = 200
# A staff message that names a deadline, quoted under promises when no promise point keeps that deadline:
# the 1.5B model dropped "Извините, отправлю сегодня до 15:00." and wrote "доверенности обновим до 25
# ноября" as "Спасибо за обновление доверенностей" (dev). So is one naming a sum no point citing it keeps
# (a price quoted to the client: "180 000 рублей в год" became "отправила коммерческое предложение", dev).
# At most this many per batch, the latest ones.
PROMISES_PER_BATCH = 3
STAFF_LABELS = {"ru": "Сотрудник", "uk": "Співробітник", "en": "Staff"}  # a staff message without a name
STATUS_LABELS = {
    "ru": {"new": "новый", "in_work": "в работе", "waiting_client": "ждём клиента"},
    "uk": {"new": "новий", "in_work": "у роботі", "waiting_client": "чекаємо на клієнта"},
    "en": {"new": "new", "in_work": "in work", "waiting_client": "waiting for the client"},
}


@dataclass(frozen=True)
class MessageView:
    id: int
    at: datetime
    channel: str
    author: str  # client | staff name
    text: str


@dataclass(frozen=True)
class CardRequest:
    number: int
    status: str  # one of storage's OPEN_STATUSES
    what: str | None = None
    due_at: datetime | None = None  # aware


@dataclass(frozen=True)
class CardAlert:
    """An open conflict alert: its quote was verified against the message when it was raised."""

    category: str
    quote: str
    message_id: int


@dataclass(frozen=True)
class ClientCard:
    name: str
    inn: str | None = None
    contacts: tuple[str, ...] = ()
    open_requests: tuple[CardRequest, ...] = ()
    alerts: tuple[CardAlert, ...] = ()


@dataclass
class SummaryResult:
    points: list[SummaryPoint]
    last_message_id: int
    usage: Usage = field(default_factory=Usage)
    calls: int = 0
    dropped_cites: int = 0
    skipped: int = 0  # the oldest new messages past MAX_NEW, not read


def _card(card: ClientCard, tz: tzinfo) -> str:
    lines = [f"name: {card.name}", f"INN: {card.inn or '-'}", f"contacts: {', '.join(card.contacts) or '-'}"]
    # without its number: the demo's 1.5B model cited request #5 as if it were message id 5 in every point;
    # times in the company's zone, like the messages': the model copies them into its points
    for r in card.open_requests:
        due = f", due {r.due_at.astimezone(tz):%Y-%m-%d %H:%M}" if r.due_at else ""
        lines.append(f"request: {r.status}: {r.what or '?'}{due}")
    if not card.open_requests:
        lines.append("no open requests")
    # the conflict check reads every message with its context; a small model summarising 20 at once misses
    # threats it flagged (the demo's "будем искать другую бухгалтерию"), so the open ones are given
    for a in card.alerts:
        lines.append(
            f"open alert: {a.category}, message id={a.message_id}: <message>{fence(a.quote)}</message>"
        )
    return "\n".join(lines)


def card_points(card: ClientCard, language: str = "ru", tz: tzinfo = UTC) -> list[SummaryPoint]:
    """Who the client is and their open requests, from the card (not the model): always current and exact."""
    inn, contacts, no_requests, due = CARD_LABELS.get(language, CARD_LABELS["en"])
    statuses = STATUS_LABELS.get(language, STATUS_LABELS["en"])
    who = card.name + (f", {inn} {card.inn}" if card.inn else "")
    if card.contacts:
        who += f"; {contacts}: {', '.join(card.contacts)}"
    requests = [
        SummaryPoint(
            section="requests",
            text=(
                f"#{r.number} {statuses.get(r.status, r.status)}: {r.what or '?'}"
                + (f", {due} {r.due_at.astimezone(tz):%d.%m.%Y %H:%M}" if r.due_at else "")
            )[:POINT_CHARS],
            cites=[],
        )
        for r in card.open_requests
    ]
    return [
        SummaryPoint(section="who", text=who[:POINT_CHARS], cites=[]),
        *(requests or [SummaryPoint(section="requests", text=no_requests, cites=[])]),
    ]


def _previous(points: Sequence[SummaryPoint]) -> str:
    if not points:
        return "(empty)"
    return "\n".join(json.dumps(p.model_dump(), ensure_ascii=False) for p in points)


def _new(batch: Sequence[MessageView], tz: tzinfo) -> str:
    return "\n".join(
        f"id={m.id} {m.at.astimezone(tz):%Y-%m-%d %H:%M} {m.channel} {m.author}: "
        f"<message>{fence(m.text[:MESSAGE_CHARS])}</message>"
        for m in batch
    )


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _only_names(text: str) -> bool:
    """A few words, each capitalised ("ООО «Поставщик-М»", "Ирина Соколова", "ИНН 7707083893"): a name, not a
    point (the demo's staff-bot summary had the first, citing ten messages)."""
    words = re.findall(r"\w+", text)
    return len(words) <= 4 and all(w[0].isupper() or w.isdigit() for w in words)


def _ours(point: NarrativePoint, cites: list[int], batch: Sequence[MessageView]) -> bool:
    """Whether a promise can be ours: it cites a staff message, or names a staff member of the batch. The
    1.5B model filed the client's own words as promises ("Ольга Ким предложила найти другую бухгалтерию")."""
    by_client = {m.id for m in batch if m.author == "client"}
    if not cites or not set(cites) <= by_client:
        return True  # a staff message, or one of an earlier batch whose author is not at hand
    staff = {w for m in batch if m.author != "client" for w in _words(m.author).split() if len(w) > 2}
    return bool(staff & set(_words(point.text).split()))


def _named(person: str, words: Sequence[str]) -> bool:
    """Whether the words name the person in any case form ("Игорю Лебедеву", "Лебедев", "Ивана")."""
    stems = [n[: max(3, len(n) - 2)] for n in _words(person).split() if len(n) > 2]
    return any(w.startswith(stem) for stem in stems for w in words)


def _attributed(text: str, cites: Sequence[int], batch: Sequence[MessageView]) -> str:
    """The text, with the staff members whose messages it cites where it names none of them. The 1.5B model
    copies a staff message ("Претензию получили, приедем на осмотр в понедельник.") without who wrote it,
    and the staff must see who promised what."""
    authors = list(
        dict.fromkeys(m.author for m in batch if m.id in cites and m.author not in ("client", "staff"))
    )
    words = _words(text).split()
    if not authors or any(_named(a, words) for a in authors):
        return text
    suffix = f" ({', '.join(authors)})"
    return text[: POINT_CHARS - len(suffix)] + suffix


def _key(text: str) -> str:
    """A point's text as compared for repeats: case and spacing aside."""
    return " ".join(text.casefold().split())


def _contact_names(card: ClientCard | None) -> str:
    """The capitalised words of the client's contacts ("Ольга Ким" of "Ольга Ким +7 903 555-00-11")."""
    if card is None:
        return ""
    return " ".join(w for c in card.contacts for w in re.findall(r"[^\W\d_]+", c) if w[0].isupper())


def _misattributed(text: str, cites: Sequence[int], batch: Sequence[MessageView], contacts: str) -> bool:
    """A promise citing only our staff's messages that names the client's contact and none of their authors:
    the 1.5B model wrote the demo's "отправлю закрывающие документы сегодня" by Анна Петрова as "Ольга Ким
    предложила отправить закрывающие документы сегодня."."""
    authors = [m.author for m in batch if m.id in cites]
    if not contacts or not authors or any(a in ("client", "staff") for a in authors):
        return False
    words = _words(text).split()
    return _named(contacts, words) and not any(_named(a, words) for a in authors)


def _quote(message: MessageView, language: str, tz: tzinfo) -> SummaryPoint:
    """A staff message quoted under promises as it was written, with who wrote it and when."""
    author = STAFF_LABELS.get(language, STAFF_LABELS["en"]) if message.author == "staff" else message.author
    text = " ".join(message.text.split())
    head = f"{author}, {message.at.astimezone(tz):%d.%m}: «"
    if len(head) + len(text) + 1 > POINT_CHARS:
        text = text[: POINT_CHARS - len(head) - 2].rsplit(" ", 1)[0] + "…"
    return SummaryPoint(section="promises", text=f"{head}{text}»", cites=[message.id])


def _checked(
    points: Sequence[NarrativePoint],
    allowed: set[int],
    card: ClientCard | None = None,
    batch: Sequence[MessageView] = (),
    language: str = "ru",
    tz: tzinfo = UTC,
) -> tuple[list[SummaryPoint], int]:
    """Keep only cites of ids the model was given, and a point's text without a greeting, an introduction of
    the writer or a sign-off it copied; a point left with no cite goes, and so does one repeating an earlier
    point's text (a small model sometimes writes one sentence under every section) or one that only
    names the client, a contact or anyone else (the 1.5B model wrote "Ирина Соколова" as a point citing six
    messages). A promise only the client's messages tell, naming none of our staff, is kept under recent; a
    promise of our staff told as the client's contact's gives way to the quotes of the staff's messages; a
    point citing a staff message names its author."""
    kept: list[SummaryPoint] = []
    dropped, seen = 0, set[str]()
    named = f" {_words(' '.join([card.name, *card.contacts]))} " if card else ""
    contacts = _contact_names(card)
    for point in points:
        if point.section == "promises" and not _ours(point, [c for c in point.cites if c in allowed], batch):
            log.info("summary: a promise only the client's messages tell, kept under recent")
            point = point.model_copy(update={"section": "recent"})
        cites = [c for c in point.cites if c in allowed]
        dropped += len(point.cites) - len(cites)
        # what the card shows beside it goes: the demo's staff-bot summary began "ООО «Ромашка», ИНН
        # 7707083893. Нужно подготовить акт сверки…", the client's message copied with its introduction
        text = essence(unfence(point.text))
        if point.section == "promises" and _misattributed(text, cites, batch, contacts):
            log.info("summary: a promise of our staff told as the client's, quoted instead")
            for quote in (_quote(m, language, tz) for m in batch if m.id in cites):
                if _key(quote.text) not in seen:
                    kept.append(quote)
                    seen.add(_key(quote.text))
            continue
        key = _key(text)
        if key in seen:
            log.info("summary: a %s point dropped, it repeats an earlier one", point.section)
        elif not _words(text) or f" {_words(text)} " in named or _only_names(text):
            log.info("summary: a %s point dropped, it only names someone", point.section)
        elif cites:
            kept.append(
                SummaryPoint(section=point.section, text=_attributed(text, cites, batch), cites=cites)
            )
            seen.add(key)
        else:  # ids only, never the text: it is client data
            log.info(
                "summary: a %s point dropped, it cites none of the given ids (%s)", point.section, point.cites
            )
    return kept, dropped


def _latest(points: Sequence[SummaryPoint], message: MessageView, language: str) -> SummaryPoint | None:
    """The newest message, quoted, when no point tells it: none cites it, or those that do share none of its
    words. It tells how things stand now, and the 1.5B model summarising a batch often left it out ("Успели,
    спасибо, Павел!", "будем искать другую бухгалтерию") or cited it under a word of its own ("irritated",
    for "Приносим извинения, разберёмся.")."""
    text = " ".join(message.text.split())
    words = content_words(text)
    if not text or any(message.id in p.cites and content_words(p.text) & words for p in points):
        return None
    client, anyone = LATEST_LABELS.get(language, LATEST_LABELS["en"])
    label = {"client": client, "staff": anyone}.get(message.author, f"{anyone} ({message.author})")
    if len(text) > LATEST_CHARS:
        text = text[:LATEST_CHARS].rsplit(" ", 1)[0] + "…"
    return SummaryPoint(section="recent", text=f"{label}: «{text}»", cites=[message.id])


def _deadline(text: str, at: datetime, tz: tzinfo) -> Due | None:
    return resolve_due(text, at.astimezone(tz))


def _promised(
    points: Sequence[SummaryPoint], batch: Sequence[MessageView], language: str, tz: tzinfo
) -> list[SummaryPoint]:
    """The points, with the batch's staff messages that name a deadline or a sum quoted under promises
    where no point citing them keeps it: a deadline kept by a promise point, a sum by any point. A promise
    point citing only such messages, keeping neither, gives way to the quote: the staff must read who
    promised what by when, and at what price, as it was written (the 1.5B model turned "we will run the
    payroll today by 5 pm" into "by tomorrow"). A call's transcript is left out: its deadlines and sums may
    be either speaker's."""
    staff = [m for m in batch if m.author != "client" and m.channel not in ("telephony", "call")]
    due = {m.id: found for m in staff if (found := _deadline(m.text, m.at, tz)) is not None}
    sums = {m.id: named for m in staff if (named := amounts(m.text))}
    at = {m.id: m.at for m in batch}

    def keeps(point: SummaryPoint, message_id: int) -> bool:
        if message_id in due and not (
            point.section == "promises" and _deadline(point.text, at[message_id], tz) == due[message_id]
        ):
            return False
        return sums.get(message_id, set()) <= amounts(point.text)

    promising = [m.id for m in staff if m.id in due or m.id in sums]
    missing = [i for i in promising if not any(i in p.cites and keeps(p, i) for p in points)]
    missing = missing[-PROMISES_PER_BATCH:]
    if not missing:
        return list(points)
    kept = [p for p in points if not (p.section == "promises" and p.cites and set(p.cites) <= set(missing))]
    kept += [_quote(message, language, tz) for message in batch if message.id in missing]
    return kept


def _is_latest(point: SummaryPoint) -> bool:
    return point.text.startswith(LATEST_PREFIXES)


async def summarize(
    runner: ChatRunner,
    *,
    card: ClientCard,
    previous: Sequence[SummaryPoint],
    last_message_id: int,
    new: Sequence[MessageView],
    unread: int = 0,  # older new messages the caller did not load (past MAX_NEW)
    language: str = "ru",
    tz: tzinfo = UTC,  # the company's: what the staff read in the points
) -> SummaryResult:
    # a summary stored before the card was built in code may still hold who/requests points
    result = SummaryResult([p for p in previous if p.section in NARRATIVE], last_message_id)
    if new:  # the newest message is another one now: its quote is not a summary point to keep
        result.points = [p for p in result.points if not _is_latest(p)]
    result.skipped = unread + max(0, len(new) - MAX_NEW)
    if result.skipped:
        log.info("summary: the %d oldest of %d new messages not read", result.skipped, len(new) + unread)
        new = new[-MAX_NEW:]
    system_language = LANGUAGES.get(language, language)
    for start in range(0, len(new), BATCH):
        batch = new[start : start + BATCH]
        allowed = {c for p in result.points for c in p.cites} | {m.id for m in batch}
        allowed |= {a.message_id for a in card.alerts}
        prompt = messages(
            "summary", card=_card(card, tz), previous=_previous(result.points), new=_new(batch, tz)
        )
        prompt[0].content = str(prompt[0].content).replace("{language}", system_language)
        out, usage = await runner.run(ClientNarrative, prompt, chain="summary")
        result.points, dropped = _checked(out.points, allowed, card, batch, language, tz)
        if not result.points:
            # every point cited none of the given ids: ask again under a schema that offers only those (a
            # grammar for a local model). Not the first time: on the dev and test sets it cost fact recall
            out, again = await runner.run(narrative_citing(allowed), prompt, chain="summary")
            result.points, dropped_again = _checked(out.points, allowed, card, batch, language, tz)
            dropped += dropped_again
            usage.add(again)
            result.calls += 1
        result.points = _promised(result.points, batch, language, tz)
        result.dropped_cites += dropped
        result.usage.add(usage)
        result.calls += 1
        result.last_message_id = max(m.id for m in batch)
    latest = _latest(result.points, new[-1], language) if new else None
    if latest is not None:
        result.points.append(latest)
    return result
