"""Against real servers on loopback: a private Dovecot (IMAP, TLS / STARTTLS / plain) and aiosmtpd (SMTP with
STARTTLS and AUTH). Mail delivered into Dovecot is received once; a restart in the middle receives nothing
twice and misses nothing; a UIDVALIDITY change re-syncs by Message-ID; a reply by okno arrives with correct
threading headers, and the client's answer to it lands in the same request."""

from __future__ import annotations

import asyncio
import email
import email.policy
import imaplib
import ssl
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from email.message import EmailMessage
from typing import Any

import pytest
from sqlmodel import col, select

from channels.base import AccountView
from channels.email.account import MailAccount, mail_account
from channels.email.imap import Cursor, ImapLoop
from intake.schema import AttachmentRef
from okno.services import Services
from storage.models import Conversation, Message, Outbox, RawEvent
from storage.repos.accounts import add_channel_account, add_staff
from storage.types import utcnow
from tests.channels.email.dovecot import Dovecot, start_dovecot
from tests.channels.email.smtp_server import RecordingHandler, start_smtp
from workers.broadcasts import check_draft, send
from workers.email_cursors import DatabaseCursors
from workers.outbound import queue_reply

pytestmark = pytest.mark.storage
CLIENT = "p.ivanov@stroymontazh.ru"


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = start_dovecot()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot: Dovecot) -> str:
    """A fresh mailbox per test: the Dovecot instance is shared by the module."""
    name = f"T{uuid.uuid4().hex[:10]}"
    with admin(dovecot) as imap:
        assert imap.create(name)[0] == "OK"
    return name


class admin:
    def __init__(self, server: Dovecot) -> None:
        self.imap = imaplib.IMAP4("127.0.0.1", server.port)
        self.imap.login(server.user, server.password)

    def __enter__(self) -> imaplib.IMAP4:
        return self.imap

    def __exit__(self, *exc: object) -> None:
        self.imap.logout()


def deliver(server: Dovecot, mailbox: str, *mails: bytes) -> None:
    with admin(server) as imap:
        for mail in mails:
            assert imap.append(mailbox, None, None, mail)[0] == "OK"


def client_mail(n: int, subject: str = "Заявка", **headers: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Пётр Иванов <{CLIENT}>"
    mail["To"] = "sales@okno.test"
    mail["Subject"] = f"{subject} {n}"
    mail["Message-ID"] = f"<m{n}.{uuid.uuid4().hex[:6]}@stroymontazh.ru>"
    mail["Date"] = "Tue, 19 Nov 2024 10:00:00 +0300"
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(f"Письмо номер {n}: прошу выставить счёт.", cte="8bit")
    return mail.as_bytes()


def config(server: Dovecot, mailbox: str, security: str = "starttls", **extra: Any) -> dict[str, Any]:
    return {
        "imap_host": "127.0.0.1",
        "imap_port": server.tls_port if security == "tls" else server.port,
        "imap_security": security,
        "address": server.user,
        "mailboxes": [mailbox],
        "verify_tls": False,
        "poll_interval_s": 600,
        **extra,
    }


def account(server: Dovecot, cfg: Mapping[str, Any]) -> MailAccount:
    return mail_account(AccountView("email", "sales", cfg, {"password": server.password}))


async def raw_count(services: Services) -> int:
    async with services.db.session() as session:
        return len((await session.execute(select(RawEvent))).scalars().all())


async def wait_for(services: Services, count: int, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await raw_count(services) < count:
        assert asyncio.get_running_loop().time() < deadline, f"fewer than {count} raw mails after {timeout}s"
        await asyncio.sleep(0.05)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def email_messages(services: Services) -> list[Message]:
    assert services.inline is not None
    await services.inline.drain()
    async with services.db.session() as session:
        query = select(Message).where(col(Message.channel) == "email").order_by(col(Message.id))
        return list((await session.execute(query)).scalars().all())


@pytest.mark.parametrize("security", ["tls", "starttls", "plain"])
async def test_received_once_across_restarts(
    services: Services, dovecot: Dovecot, mailbox: str, security: str
) -> None:
    loop = ImapLoop(account(dovecot, config(dovecot, mailbox, security)), DatabaseCursors(services.db))
    deliver(dovecot, mailbox, client_mail(1), client_mail(2), client_mail(3))
    task = asyncio.create_task(loop.run(services.sink))
    await wait_for(services, 3)
    await stop(task)  # a restart: okno listen goes down…
    deliver(dovecot, mailbox, client_mail(4), client_mail(5))  # …mail keeps arriving…
    task = asyncio.create_task(loop.run(services.sink))  # …and it comes back
    await wait_for(services, 5)
    deliver(dovecot, mailbox, client_mail(6))  # arrives while the loop waits in IDLE
    await wait_for(services, 6)
    await asyncio.sleep(0.3)
    await stop(task)
    assert await raw_count(services) == 6  # not one fetched twice
    texts = [m.text or "" for m in await email_messages(services)]
    assert sorted(t.split("\n")[0] for t in texts) == [f"Заявка {n}" for n in range(1, 7)]


class CrashingSink:
    """Stores like the real sink, then dies after `after` mails: a crash in the middle of a batch."""

    def __init__(self, sink: Any, after: int) -> None:
        self.sink, self.after, self.stored = sink, after, 0

    async def store(self, **kwargs: Any) -> int:
        raw_id: int = await self.sink.store(**kwargs)
        self.stored += 1
        if self.stored >= self.after:
            raise asyncio.CancelledError  # the process is killed right after a commit
        return raw_id


async def test_a_crash_mid_batch_misses_nothing_and_duplicates_nothing(
    services: Services, dovecot: Dovecot, mailbox: str
) -> None:
    loop = ImapLoop(account(dovecot, config(dovecot, mailbox, use_idle=False)), DatabaseCursors(services.db))
    deliver(dovecot, mailbox, *(client_mail(n) for n in range(1, 6)))
    with pytest.raises(asyncio.CancelledError):
        await loop.run(CrashingSink(services.sink, after=2))
    task = asyncio.create_task(loop.run(services.sink))
    await wait_for(services, 5)
    await asyncio.sleep(0.3)
    await stop(task)
    assert len(await email_messages(services)) == 5  # nothing missed, no message twice
    async with services.db.session() as session:
        statuses = sorted(r.status for r in (await session.execute(select(RawEvent))).scalars().all())
    # The mail stored just before the crash (cursor not yet moved) came again: kept, deduped by Message-ID.
    assert statuses == ["accepted"] * 5 + ["duplicate"]


async def test_polling_when_idle_is_off(services: Services, dovecot: Dovecot, mailbox: str) -> None:
    cfg = config(dovecot, mailbox, use_idle=False, poll_interval_s=0.2)
    task = asyncio.create_task(
        ImapLoop(account(dovecot, cfg), DatabaseCursors(services.db)).run(services.sink)
    )
    await asyncio.sleep(0.3)
    deliver(dovecot, mailbox, client_mail(1))
    await wait_for(services, 1)
    await stop(task)


async def test_uidvalidity_change_resyncs_by_message_id(
    services: Services, dovecot: Dovecot, mailbox: str
) -> None:
    cursors = DatabaseCursors(services.db)
    loop = ImapLoop(account(dovecot, config(dovecot, mailbox, use_idle=False)), cursors)
    deliver(dovecot, mailbox, client_mail(1), client_mail(2))
    task = asyncio.create_task(loop.run(services.sink))
    await wait_for(services, 2)
    await stop(task)
    assert len(await email_messages(services)) == 2
    # The server renumbered the mailbox (UIDVALIDITY changed): UIDs mean nothing any more.
    await cursors.save(account="sales", mailbox=mailbox, cursor=Cursor(uidvalidity=1, last_uid=999))
    deliver(dovecot, mailbox, client_mail(3))
    task = asyncio.create_task(loop.run(services.sink))
    await wait_for(services, 3)
    await asyncio.sleep(0.3)
    await stop(task)
    assert await raw_count(services) == 3  # the two known mails were not fetched again
    assert len(await email_messages(services)) == 3
    cursor = await cursors.load(account="sales", mailbox=mailbox)
    assert cursor is not None and cursor.uidvalidity != 1 and cursor.last_uid == 3


@pytest.fixture
async def smtp(dovecot: Dovecot) -> AsyncIterator[tuple[RecordingHandler, int]]:
    controller, handler = start_smtp(dovecot.root, dovecot.user, dovecot.password)
    yield handler, controller.port
    controller.stop()


async def test_reply_threads_and_the_answer_lands_in_the_same_request(
    services: Services, dovecot: Dovecot, mailbox: str, smtp: tuple[RecordingHandler, int]
) -> None:
    handler, smtp_port = smtp
    with admin(dovecot) as imap:
        imap.create(f"{mailbox}-Sent")
    cfg = config(
        dovecot,
        mailbox,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="starttls",
        sent_folder=f"{mailbox}-Sent",
        from_name="ООО «Окно»",
    )
    async with services.db.session() as session:
        await add_channel_account(
            session, box=services.box, channel="email", name="sales", config=cfg,
            secrets={"password": dovecot.password},
        )  # fmt: skip
        staff = await add_staff(session, name="Анна", role="manager")
        await session.commit()
    loop = ImapLoop(account(dovecot, cfg), DatabaseCursors(services.db))
    task = asyncio.create_task(loop.run(services.sink))
    claim = client_mail(1, "Претензия по договору")
    deliver(dovecot, mailbox, claim)
    await wait_for(services, 1)
    [first] = await email_messages(services)
    assert first.request_id is not None

    await queue_reply(
        services.db, services.queue, request_id=first.request_id, staff_id=staff.id or 0,
        text="Пётр, добрый день!\n\nДопоставка будет 22.11.",
    )  # fmt: skip
    assert services.inline is not None
    await services.inline.drain()
    [sent] = handler.received
    reply = email.message_from_bytes(sent.data, policy=email.policy.default)
    root = first.message_key
    assert sent.recipients == [CLIENT] and sent.sender == dovecot.user
    assert reply["In-Reply-To"] == f"<{root}>" and reply["References"] == f"<{root}>"
    assert str(reply["From"]) == f"ООО «Окно» <{dovecot.user}>"
    assert reply.get_content_type() == "multipart/alternative"
    plain = reply.get_body(("plain",))
    assert plain is not None and "Допоставка будет 22.11." in plain.get_content()
    async with services.db.session() as session:
        [outbox] = (await session.execute(select(Outbox))).scalars().all()
    assert outbox.status == "sent" and f"<{outbox.platform_message_id}>" == reply["Message-ID"]
    with admin(dovecot) as imap:
        assert imap.select(f"{mailbox}-Sent", readonly=True)[1] == [b"1"]  # the copy in Sent

    answer = client_mail(
        2,
        "Re: Претензия по договору",
        In_Reply_To=reply["Message-ID"],
        References=f"<{root}> {reply['Message-ID']}",
    )
    deliver(dovecot, mailbox, answer)
    await wait_for(services, 2)
    await stop(task)
    messages = await email_messages(services)
    inbound = [m for m in messages if m.direction == "inbound"]
    assert len(inbound) == 2 and inbound[1].request_id == first.request_id
    assert inbound[1].conversation_id == first.conversation_id
    async with services.db.session() as session:
        conversations = (await session.execute(select(Conversation))).scalars().all()
    assert [c.conversation_key for c in conversations] == [root]


async def test_a_reply_with_a_file_carries_it_as_an_attachment(
    services: Services, dovecot: Dovecot, mailbox: str, smtp: tuple[RecordingHandler, int]
) -> None:
    """A manager's upload, kept in blob storage, goes in the mail as a named attachment with its bytes."""
    handler, smtp_port = smtp
    cfg = config(dovecot, mailbox, smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_security="starttls")
    async with services.db.session() as session:
        await add_channel_account(
            session, box=services.box, channel="email", name="sales", config=cfg,
            secrets={"password": dovecot.password},
        )  # fmt: skip
        staff = await add_staff(session, name="Анна", role="manager")
        await session.commit()
    loop = ImapLoop(account(dovecot, cfg), DatabaseCursors(services.db))
    task = asyncio.create_task(loop.run(services.sink))
    deliver(dovecot, mailbox, client_mail(1, "Акт сверки"))
    await wait_for(services, 1)
    await stop(task)
    [first] = await email_messages(services)
    assert first.request_id is not None
    pdf = b"%PDF-1.4\n% akt sverki\n" + bytes(range(256)) * 64
    key = await services.jobs.blobs.put(pdf)
    act = AttachmentRef(
        kind="document", filename="Акт сверки.pdf", mime="application/pdf", size=len(pdf), blob_key=key
    )
    await queue_reply(
        services.db, services.queue, request_id=first.request_id, staff_id=staff.id or 0,
        text="Пётр, добрый день! Акт сверки во вложении.", attachments=(act,),
    )  # fmt: skip
    assert services.inline is not None
    await services.inline.drain()
    [sent] = handler.received
    mail = email.message_from_bytes(sent.data, policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    [part] = list(mail.iter_attachments())
    assert part.get_filename() == "Акт сверки.pdf" and part.get_content_type() == "application/pdf"
    assert part.get_content() == pdf
    plain = mail.get_body(("plain",))
    assert plain is not None and "Акт сверки во вложении." in plain.get_content()


async def test_smtp_refusal_is_a_send_failure(
    services: Services, dovecot: Dovecot, smtp: tuple[RecordingHandler, int]
) -> None:
    from channels.base import SendFailed
    from channels.email.send import EmailSender
    from intake.schema import OutboundMessage

    _handler, port = smtp
    view = AccountView(
        "email", "sales",
        {"address": dovecot.user, "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "starttls",
         "verify_tls": False},
        {"password": "wrong"},
    )  # fmt: skip
    message = OutboundMessage(channel="email", account="sales", conversation_key="x@y", outbox_id=1, text="т",
                              recipient_id=CLIENT)  # fmt: skip
    with pytest.raises(SendFailed) as failed:
        await EmailSender().send(view, message)
    assert "535" in failed.value.reason and failed.value.retry_after is None
    assert isinstance(ssl.SSLContext, type)


async def test_reply_with_token_attachment_and_russian_names(
    dovecot: Dovecot, smtp: tuple[RecordingHandler, int], tmp_path: Any
) -> None:
    from channels.email.send import EmailSender
    from intake.schema import AttachmentRef, OutboundMessage, ThreadHints

    handler, port = smtp
    pdf = tmp_path / "act.pdf"
    pdf.write_bytes(b"%PDF-1.4 test")
    view = AccountView(
        "email", "sales",
        {"address": dovecot.user, "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "starttls",
         "verify_tls": False},
        {"password": dovecot.password},
    )  # fmt: skip
    message = OutboundMessage(
        channel="email", account="sales", conversation_key="claim-1@client.ru", outbox_id=42,
        text="Добрый день!\n\nАкт во вложении <см. файл>.", reply_to_key="claim-3@client.ru",
        recipient_id=CLIENT, author_name="Анна Петрова",
        thread_hints=ThreadHints(
            subject="RE: Претензия по договору", request_token="R-1042",
            references=("claim-1@client.ru", "claim-2@client.ru"),
        ),
        attachments=(AttachmentRef(kind="document", filename="Акт сверки № 7.pdf", mime="application/pdf",
                                   url=pdf.as_uri()),),
    )  # fmt: skip
    sender = EmailSender()
    first = await sender.send(view, message)
    again = await sender.send(view, message)  # a repeated send after a crash: the same letter
    assert first.platform_message_id == again.platform_message_id
    assert first.platform_message_id is not None and first.platform_message_id.startswith("okno.42.")
    raw = handler.received[0].data
    assert b"filename*0*=utf-8''%D0%90%D0%BA%D1%82" in raw  # RFC 2231 (with continuations), not raw UTF-8
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(mail["Subject"]) == "RE: Претензия по договору [#R-1042]"
    assert str(mail["From"]) == f"Анна Петрова <{dovecot.user}>"
    assert mail["In-Reply-To"] == "<claim-3@client.ru>"
    assert mail["References"] == "<claim-1@client.ru> <claim-2@client.ru> <claim-3@client.ru>"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "Акт сверки № 7.pdf" and attachment.get_content() == b"%PDF-1.4 test"
    html = mail.get_body(("html",))
    assert html is not None and "&lt;см. файл&gt;" in html.get_content()


async def test_a_broadcast_is_a_new_mail_and_its_answer_reaches_the_inbox(
    services: Services, dovecot: Dovecot, mailbox: str, smtp: tuple[RecordingHandler, int]
) -> None:
    """A notice to every client is not «Re:» in the thread of whatever they wrote last: its own subject, no
    In-Reply-To; the client's answer to it comes in as their message and opens a request."""
    handler, smtp_port = smtp
    cfg = config(dovecot, mailbox, smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_security="starttls")
    async with services.db.session() as session:
        await add_channel_account(
            session, box=services.box, channel="email", name="sales", config=cfg,
            secrets={"password": dovecot.password},
        )  # fmt: skip
        boss = await add_staff(session, name="Виктор", role="supervisor")
        await session.commit()
    loop = ImapLoop(account(dovecot, cfg), DatabaseCursors(services.db))
    task = asyncio.create_task(loop.run(services.sink))
    deliver(dovecot, mailbox, client_mail(1, "Счёт за октябрь"))
    await wait_for(services, 1)
    assert services.inline is not None
    await services.inline.drain()  # stored raw above; ingested into a message here
    draft = check_draft(
        text="{имя}, добрый день! До 20.12 пришлите первичку за ноябрь.",
        channels=["email"],
        since_days=3650,  # the client's mail is dated 2024
        subject="Сроки сдачи отчётности",
    )
    _, new = await send(services.db, services.queue, draft, key="k", sender=boss, now=utcnow())
    assert new
    await services.inline.drain()
    [sent] = handler.received
    mail = email.message_from_bytes(sent.data, policy=email.policy.default)
    assert sent.recipients == [CLIENT] and mail["Subject"] == "Сроки сдачи отчётности"
    assert mail["In-Reply-To"] is None and mail["References"] is None
    plain = mail.get_body(("plain",))
    assert plain is not None and plain.get_content().startswith("Пётр Иванов, добрый день! До 20.12")
    answer = client_mail(2, "Re: Сроки сдачи отчётности", In_Reply_To=mail["Message-ID"])
    deliver(dovecot, mailbox, answer)
    await wait_for(services, 2)
    await stop(task)
    inbound = [m for m in await email_messages(services) if m.direction == "inbound"]
    assert len(inbound) == 2 and inbound[1].request_id is not None
    assert inbound[1].author_contact_id == inbound[0].author_contact_id
