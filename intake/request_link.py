"""Attach a client message to the client's open request (or open one) and fill the form from its text."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from intake.mail_domains import company_domain
from intake.policy import IntakePolicy
from intake.rating import parse_rating
from intake.request_form import essence, extract_form, is_valid_inn
from intake.schema import InboundMessage
from intake.sla import sla_due_for
from storage.models import Client, Contact, Request
from storage.repos.assignment import assign_new_request
from storage.repos.clients import (
    add_client,
    client_by_inn,
    client_ids_by_domain,
    client_ids_of,
    contact_group,
    link_contact_to_client,
)
from storage.repos.org_chart import line_group
from storage.repos.requests import (
    add_request,
    awaiting_rating,
    open_request_of,
    record_client_activity,
    record_our_call,
    record_rating,
    set_field,
)

WHAT_MAX = 500


class Attached(NamedTuple):
    request: Request
    client_linked: bool  # this message named the request's client (its INN): the earlier ones had none
    rated: bool = False  # this message was the client's rating of the (done) request
    opened: bool = False  # this message opened the request


async def attach_to_request(
    session: AsyncSession, msg: InboundMessage, contact: Contact, *, policy: IntakePolicy
) -> Attached:
    contact_id = contact.id or 0
    group = await contact_group(session, contact_id=contact_id)
    # «4 — всё сделали, но со второго раза» after okno asked how it did: the done request's rating, in its
    # history, not a new request (a call is never an answer to it)
    if msg.call is None and (rating := parse_rating(msg.text)) is not None:
        rated = await awaiting_rating(session, contact_ids=group, at=msg.sent_at)
        if rated is not None:
            await record_rating(
                session, request=rated, score=rating.score, comment=rating.comment, at=msg.sent_at
            )
            return Attached(rated, client_linked=False, rated=True)
    request = await open_request_of(
        session,
        contact_ids=group,
        active_since=msg.sent_at - policy.request_window,
        active_until=msg.sent_at + policy.request_window,
    )
    opened = request is None
    if request is None:
        client_ids = await client_ids_of(session, contact_id=contact_id)
        request = await add_request(
            session,
            contact_id=contact_id,
            client_id=client_ids[0] if client_ids else None,
            origin_channel=msg.channel,
            at=msg.sent_at,
            sla_due_at=await sla_due_for(session, msg.sent_at, policy),
        )
        request.group_head_id = await line_group(session, channel=msg.channel, account=msg.account)
    elif msg.call is not None and msg.call.direction == "outbound":
        record_our_call(request, at=msg.sent_at)
    else:
        await record_client_activity(session, request=request, at=msg.sent_at)
        if msg.sent_at < request.created_at:  # an earlier message processed late: the request began then
            request.created_at = msg.sent_at
            request.sla_due_at = await sla_due_for(session, msg.sent_at, policy)
    had_client = request.client_id is not None
    await fill_form(session, request, msg, contact, policy=policy)
    if request.client_id is None:  # no INN named it: a colleague's address at the same company may
        request.client_id = await _client_by_domain(session, contact)
    if opened:  # after the form: an INN in the first message may have named the client (and its manager)
        await assign_new_request(session, request=request)
    linked = not opened and not had_client and request.client_id is not None
    return Attached(request, client_linked=linked, opened=opened)


async def fill_form(
    session: AsyncSession, request: Request, msg: InboundMessage, contact: Contact, *, policy: IntakePolicy
) -> None:
    """The parser's values: never over a manager's; among automated ones the earliest message's stands."""
    sender_inn = msg.sender.inn if msg.sender.inn and is_valid_inn(msg.sender.inn) else None
    await fill_from_text(
        session,
        request,
        msg.text or "",
        at=msg.sent_at,
        contact=contact,
        policy=policy,
        sender_inn=sender_inn,
        sender_company=msg.sender.company,
    )


async def fill_from_text(
    session: AsyncSession,
    request: Request,
    text: str,
    *,
    at: datetime,
    contact: Contact,
    policy: IntakePolicy,
    sender_inn: str | None = None,
    sender_company: str | None = None,
    what: bool = True,
) -> None:
    """The form from a client's text (a message, or a call's client turns once transcribed); `what`: also
    what to do, the text's essence."""
    facts = extract_form(text, now=at, tz=policy.tz)
    inn = facts.inn or sender_inn
    company = facts.company or sender_company
    if inn:
        set_field(request, field="inn", value=inn, source="parser", at=at)
    if company:
        set_field(request, field="company_name", value=company, source="parser", at=at)
    if facts.due_at:
        set_field(request, field="due_at", value=facts.due_at, source="parser", at=at, note=facts.due_phrase)
    if what and text.strip():
        set_field(request, field="what", value=essence(text)[:WHAT_MAX], source="parser", at=at)
    for bad in facts.invalid_inns:
        request.notes = [*request.notes, {"kind": "invalid_inn", "value": bad, "at": at.isoformat()}]
    # A company named in passing ("акт сверки с ООО «Поставщик-М»") fills the form but is no proof of who the
    # client is: only an INN or the integrator's own word about the sender creates or links a client.
    if inn or sender_company:
        client = await client_for(session, contact, inn=inn, company=company)
        request.client_id = request.client_id or client.id


async def _client_by_domain(session: AsyncSession, contact: Contact) -> int | None:
    """The one client whose contacts write from this contact's company domain, now this contact's client
    too; none when the domain is a public mail service's or several clients share it (a holding)."""
    domain = company_domain(contact.email)
    found = await client_ids_by_domain(session, domain=domain) if domain else []
    if len(found) != 1:
        return None
    await link_contact_to_client(session, contact_id=contact.id or 0, client_id=found[0])
    return found[0]


async def client_for(
    session: AsyncSession, contact: Contact, *, inn: str | None, company: str | None
) -> Client:
    """The client company by INN; else the contact's company; else a new one named as the client wrote it
    (or as a manager typed it in the request form). The contact becomes the client's."""
    contact_id = contact.id or 0
    client = await client_by_inn(session, inn=inn) if inn else None
    if client is None:
        known = await client_ids_of(session, contact_id=contact_id)
        client = await session.get(Client, known[0]) if known else None
        if client is not None and inn and client.inn is None:
            client.inn = inn
        elif client is None or (inn and client.inn != inn):
            client = await add_client(session, name=company or f"ИНН {inn}", inn=inn)
    await link_contact_to_client(session, contact_id=contact_id, client_id=client.id or 0)
    return client
