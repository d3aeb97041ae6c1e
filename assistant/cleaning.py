"""Text to judge: an email without its quoted history; where its greeting ends and its sign-off begins."""

from __future__ import annotations

import re

# The line that starts the quoted part of a reply, in the forms common mail clients write (ru, uk, en).
_QUOTE_HEADER = re.compile(
    r"^(-{2,}\s*(original message|исходное сообщение|пересылаемое сообщение|forwarded message)"
    r"|on .{3,120} wrote:\s*$"
    r"|.{3,160}(писал|писала|пише|написал|написала|написав|wrote)\(?а?\)?:\s*$"
    r"|from:\s.+|от:\s.+)",
    re.IGNORECASE,
)


def strip_email_quotes(text: str) -> str:
    """Keep what the sender wrote now: drop '>' lines and everything from a reply header on."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line.strip()):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


# A greeting line opens with one of these and says nothing more ("Коллеги, добрый день!", "Dear Mr. Brown,").
_GREETING = re.compile(
    r"^(?:добр\w*\s+(?:день|утро|вечер|дня|ранку|вечора)|здравствуй\w*|привет\w*|вітаю|шановн\w*|уважаем\w*"
    r"|коллеги|колеги|dear|hi|hello|hey|good\s+(?:morning|afternoon|evening)|greetings)\b",
    re.IGNORECASE,
)
_THANKS_OPENERS = r"thanks|thank you|many thanks|спасибо|благодарю|дякую"
# A sign-off line: "С уважением, Анна", "Regards,", "Thanks,", "--" (what follows it is the signature).
_SIGN_OFF = re.compile(
    r"^(?:-{2,}|—)\s*$"
    r"|^(?:с уважением|с наилучшими пожеланиями|всего (?:доброго|хорошего)|з повагою|regards|best"
    rf"|kind regards|best regards|warm regards|sincerely|cheers|{_THANKS_OPENERS})(?!\w)[^.!?]*[.!]?$",
    re.IGNORECASE,
)
# A signature with no sign-off above it ("Юрист ООО «Пример»", "Legal department"), as the last paragraph.
_SIGNATURE = re.compile(
    r"\b(?:ооо|оао|зао|пао|ао|ип|тов|пп|llc|ltd|inc|gmbh|ab|директор\w*|бухгалтер\w*|юрист\w*|менеджер\w*"
    r"|отдел\w*|відділ\w*|department|director|manager|accountant|lawyer|officer)\b",
    re.IGNORECASE,
)
SIGNATURE_LINES = 3
SIGNATURE_WORDS = 8  # per line: "Директор ООО «Альфа-Строй» П. Волков"
_ABBREVIATION = re.compile(r"\b\w{1,3}\.")  # "Mr.", "г." inside a greeting is not a sentence's end
_ADDRESSEES = {"team", "all", "everyone", "colleagues", "коллеги", "колеги", "друзья", "друзі", "уважаемые"}
GREETING_WORDS = 6
SIGN_OFF_WORDS = 6
THANKS_WORDS = 3
_THANKS = re.compile(rf"^(?:{_THANKS_OPENERS})(?!\w)", re.IGNORECASE)
SIGN_OFF_LINES = 6  # a sign-off is looked for among the last lines only


def _greeting(line: str) -> bool:
    """A greeting and whom it addresses, nothing more ("Hi, you are late" is not one)."""
    found = _GREETING.match(line)
    if not found or len(line.split()) > GREETING_WORDS:
        return False
    if re.search(r"[.!?]", _ABBREVIATION.sub("", line.rstrip(" ,.!:;"))):
        return False
    rest = line[found.end() :].strip(" ,.!:;")
    again = _GREETING.match(rest)  # "Коллеги, добрый день"
    if again:
        rest = rest[again.end() :].strip(" ,.!:;")
    return all(w[0].isupper() or w.casefold() in _ADDRESSEES for w in rest.replace(",", " ").split())


def _sign_off_words(line: str) -> int:
    # "Thanks, Anna" signs off; "Спасибо за ваш «сервис»" is sarcasm, and may be the evidence
    return THANKS_WORDS if _THANKS.match(line) else SIGN_OFF_WORDS


def body_bounds(text: str) -> tuple[int, int]:
    """(start, end) of what the message says between its greeting line and its sign-off with the signature
    under it: a quote from outside ("Regards,\nMark", "Hi team,") is no evidence of anything."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return 0, 0
    start = offsets[first + 1] if _greeting(lines[first].strip()) else 0
    for i in range(max(first + 1, len(lines) - SIGN_OFF_LINES), len(lines)):
        line = lines[i].strip()
        if line and len(line.split()) <= _sign_off_words(line) and _SIGN_OFF.match(line):
            end = offsets[i]
            break
    else:
        end = _signature_start(lines, offsets, first)
    return (start, end) if text[start:end].strip() else (0, len(text))


def _signature_start(lines: list[str], offsets: list[int], first: int) -> int:
    """Where a last paragraph that is a bare signature starts (the text's end if it is none)."""
    blank = max((i for i in range(first, len(lines)) if not lines[i].strip()), default=None)
    if blank is None:
        return offsets[-1]
    tail = [line.strip() for line in lines[blank + 1 :] if line.strip()]
    if (
        0 < len(tail) <= SIGNATURE_LINES
        and all(
            len(line.split()) <= SIGNATURE_WORDS and not re.search(r"[.!?…]$|[!?]", line) for line in tail
        )
        and any(_SIGNATURE.search(line) for line in tail)
    ):
        return offsets[blank + 1]
    return offsets[-1]


def in_body(quote: str, text: str) -> bool:
    """Whether some occurrence of quote overlaps what the message says (see body_bounds)."""
    start, end = body_bounds(text)
    at = text.find(quote)
    while at >= 0:
        if at < end and at + len(quote) > start:
            return True
        at = text.find(quote, at + 1)
    return False
