"""The company's intake rules, built from settings by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class IntakePolicy:
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Moscow"))
    region: str = "RU"
    request_window: timedelta = timedelta(hours=72)
    sla_first_response: timedelta = timedelta(hours=1)
    language: str = "ru"  # what okno writes for every staff member alike (the stored client summary)
