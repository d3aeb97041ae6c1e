"""okno's own answer buttons (OutboundMessage.choices): sent as inline buttons whose callback data is the
choice under this prefix, and read back from the press as the client's text (events.callback)."""

from __future__ import annotations

CHOICE_PREFIX = "okno:"
CALLBACK_DATA_BYTES = 64  # Telegram's limit on a button's callback data


def choice_data(choice: str) -> str | None:
    """The button's callback data, or None when the choice is too long to carry (it is then not offered)."""
    data = CHOICE_PREFIX + choice
    return data if len(data.encode()) <= CALLBACK_DATA_BYTES else None


def chosen(data: str | None) -> str | None:
    """The client's choice from a press of one of okno's buttons; None for any other button."""
    if data is None or not data.startswith(CHOICE_PREFIX):
        return None
    return data.removeprefix(CHOICE_PREFIX) or None
