"""Loopback stand-ins for the outside world (tests and demo only). Each module offers a class whose `app()`
is an aiohttp Application speaking the real service's shapes, plus a way for tests to read what it got."""
