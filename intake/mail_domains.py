"""A client company by its mail domain: its accountant and its director write from their own addresses
(irina@romashka.ru, director@romashka.ru), and the director's first letter, with no INN in it, belongs to
the client the accountant's INN named. A public mail service's domain is nobody's company."""

from __future__ import annotations

# Free mail services clients write from (ru, uk, en): an address there says nothing about the company.
_PUBLIC = """
    mail.ru bk.ru inbox.ru list.ru internet.ru xmail.ru yandex.ru yandex.com ya.ru yandex.by yandex.kz
    yandex.ua narod.ru rambler.ru lenta.ru ro.ru autorambler.ru myrambler.ru qip.ru pochta.ru
    gmail.com googlemail.com outlook.com hotmail.com live.com msn.com icloud.com me.com mac.com
    yahoo.com ymail.com aol.com proton.me protonmail.com pm.me gmx.com gmx.de gmx.net mail.com zoho.com
    tutanota.com tuta.io ukr.net i.ua meta.ua bigmir.net online.ua email.ua
"""
PUBLIC = frozenset(_PUBLIC.split())


def company_domain(email: str | None) -> str | None:
    """The domain of an address that may be a company's own; None for a public mail service."""
    if not email or "@" not in email:
        return None
    domain = email.rpartition("@")[2].strip().rstrip(".").casefold()
    if not domain or "." not in domain or domain in PUBLIC:
        return None
    return domain
