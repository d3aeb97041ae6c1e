"""Who wrote: channel id -> E.164 phone -> email; contacts merge when an event proves they are one person."""

from __future__ import annotations

import phonenumbers
from sqlalchemy.ext.asyncio import AsyncSession

from intake.schema import InboundMessage
from storage.models import ChannelIdentity, Contact
from storage.repos.clients import (
    add_contact,
    add_identity,
    identity_by_external_id,
    live_contact_by,
    merge_contacts,
    survivor_of,
)


def normalize_phone(raw: str | None, region: str) -> str | None:
    """E.164 or None; a number that is not a possible phone number is not an identity."""
    if not raw:
        return None
    candidate = raw.strip()
    attempts = [candidate]
    # WhatsApp and many PBXs send international numbers without the plus ("79161234567"); a domestic
    # "89161234567" must still read as Russian, so the plus is only a second guess.
    if candidate.isdigit() and len(candidate) > 10:
        attempts.append("+" + candidate)
    possible = None
    for attempt in attempts:
        try:
            number = phonenumbers.parse(attempt, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if possible is None and phonenumbers.is_possible_number(number):
            possible = number
    return phonenumbers.format_number(possible, phonenumbers.PhoneNumberFormat.E164) if possible else None


def normalize_email(raw: str | None) -> str | None:
    if not raw or "@" not in raw:
        return None
    return raw.strip().lower()


async def resolve_contact(session: AsyncSession, msg: InboundMessage, *, region: str) -> Contact:
    """The live contact behind this message's sender, creating or merging as the evidence says."""
    phone = normalize_phone(msg.sender.phone, region)
    email = normalize_email(msg.sender.email)
    identity = await identity_by_external_id(
        session, channel=msg.channel, account=msg.account, external_id=msg.sender.external_id
    )
    if identity is not None:
        _refresh_identity(identity, msg, phone=phone, email=email)
        contact = await survivor_of(session, contact_id=identity.contact_id)
        return await _merge_on_evidence(session, contact, phone=phone, email=email, msg=msg)
    found = await live_contact_by(session, phone=phone) or await live_contact_by(session, email=email)
    if found is None:
        contact = await add_contact(session, display_name=msg.sender.display_name, phone=phone, email=email)
    else:
        contact = found
        _fill_missing(contact, phone=phone, email=email, name=msg.sender.display_name)
    await add_identity(
        session,
        identity=ChannelIdentity(
            channel=msg.channel,
            account=msg.account,
            external_id=msg.sender.external_id,
            contact_id=contact.id or 0,
            display_name=msg.sender.display_name,
            username=msg.sender.username,
            phone=phone,
            email=email,
        ),
    )
    return contact


async def _merge_on_evidence(
    session: AsyncSession, contact: Contact, *, phone: str | None, email: str | None, msg: InboundMessage
) -> Contact:
    for field, value in (("phone", phone), ("email", email)):
        if value is None or getattr(contact, field) == value:
            continue
        other = await live_contact_by(session, **{field: value})
        if other is None or other.id == contact.id:
            _fill_missing(contact, **{field: value})
            continue
        # The older contact survives: it is the one other channels already point at.
        survivor, merged = (other, contact) if (other.id or 0) < (contact.id or 0) else (contact, other)
        await merge_contacts(
            session,
            survivor_id=survivor.id or 0,
            merged_id=merged.id or 0,
            reason=f"same {field}",
            evidence=f"{msg.channel}:{msg.account} {msg.sender.external_id} gave {field} {value}",
        )
        contact = survivor
    return contact


def _refresh_identity(
    identity: ChannelIdentity, msg: InboundMessage, *, phone: str | None, email: str | None
) -> None:
    identity.display_name = msg.sender.display_name or identity.display_name
    identity.username = msg.sender.username or identity.username
    identity.phone = phone or identity.phone
    identity.email = email or identity.email


def _fill_missing(
    contact: Contact, *, phone: str | None = None, email: str | None = None, name: str | None = None
) -> None:
    contact.phone = contact.phone or phone
    contact.email = contact.email or email
    contact.display_name = contact.display_name or name
