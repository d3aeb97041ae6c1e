"""Where a message greets and where it signs off, in the forms clients write (ru, uk, en): "Коллеги, добрый
день!", "Анна, здравствуйте!", "Dear Mr. Brown,"; "С уважением, Анна", "Regards,", "--". The request form's
"what to do" leaves them out, and the assistant reads an email's body between them."""

from __future__ import annotations

import re

# A greeting opens with one of these and says nothing more ("Коллеги, добрый день!", "Dear Mr. Brown,").
_GREETING = re.compile(
    r"^(?:добр\w*\s+(?:день|утро|вечер|дня|ранку|вечора)|здравствуй\w*|привет\w*|вітаю|шановн\w*|уважаем\w*"
    r"|коллеги|колеги|dear|hi|hello|hey|good\s+(?:morning|afternoon|evening)|greetings)\b",
    re.IGNORECASE,
)
# whom a greeting addresses before it: "Анна, ", "Анна Петровна, "
_NAMED = re.compile(r"^(?:[^\W\d_][\w'ʼ-]*\s+)?[^\W\d_][\w'ʼ-]*\s*,\s*")
_THANKS_OPENERS = r"thanks|thank you|many thanks|спасибо|благодарю|дякую"
# A sign-off line: "С уважением, Анна", "Regards,", "Thanks,", "--" (what follows it is the signature).
_SIGN_OFF = re.compile(
    r"^(?:-{2,}|—)\s*$"
    r"|^(?:с уважением|с наилучшими пожеланиями|всего (?:доброго|хорошего)|з повагою|regards|best"
    rf"|kind regards|best regards|warm regards|sincerely|cheers|{_THANKS_OPENERS})(?!\w)[^.!?]*[.!]?$",
    re.IGNORECASE,
)
_ABBREVIATION = re.compile(r"\b\w{1,3}\.")  # "Mr.", "г." inside a greeting is not a sentence's end
_ADDRESSEES = {"team", "all", "everyone", "colleagues", "коллеги", "колеги", "друзья", "друзі", "уважаемые"}
GREETING_WORDS = 6
SIGN_OFF_WORDS = 6
THANKS_WORDS = 3
SIGNATURE_WORDS = 8  # per line: "Директор ООО «Альфа-Строй» П. Волков"
_THANKS = re.compile(rf"^(?:{_THANKS_OPENERS})(?!\w)", re.IGNORECASE)


def _addressees(words: str) -> bool:
    return all(w[0].isupper() or w.casefold() in _ADDRESSEES for w in words.replace(",", " ").split())


def is_greeting(line: str) -> bool:
    """A greeting and whom it addresses, nothing more ("Hi, you are late" is not one)."""
    line = line.strip()
    named = _NAMED.match(line)
    if named and _addressees(named.group()) and _GREETING.match(line[named.end() :]):
        line = line[named.end() :]  # "Анна, здравствуйте!"
    found = _GREETING.match(line)
    if not found or len(line.split()) > GREETING_WORDS:
        return False
    if re.search(r"[.!?]", _ABBREVIATION.sub("", line.rstrip(" ,.!:;"))):
        return False
    rest = line[found.end() :].strip(" ,.!:;")
    again = _GREETING.match(rest)  # "Коллеги, добрый день"
    if again:
        rest = rest[again.end() :].strip(" ,.!:;")
    return _addressees(rest)


def is_sign_off(line: str) -> bool:
    """A sign-off: what follows it is the signature. "Thanks, Anna" signs off; "Спасибо за ваш «сервис»" is
    sarcasm, and may be the evidence of a conflict."""
    line = line.strip()
    words = THANKS_WORDS if _THANKS.match(line) else SIGN_OFF_WORDS
    return bool(line) and len(line.split()) <= words and _SIGN_OFF.match(line) is not None


def signature_like(line: str) -> bool:
    """A line a signature may hold (a name, a title, a phone): a few words, no sentence."""
    line = line.strip()
    return len(line.split()) <= SIGNATURE_WORDS and not re.search(r"[.!?…]$|[!?]", line)
