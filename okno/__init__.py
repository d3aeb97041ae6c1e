"""okno: the composition root (settings, app wiring, CLI, demo)."""

__version__ = "0.1.0"
