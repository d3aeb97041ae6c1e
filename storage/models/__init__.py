"""All tables, grouped by family. Importing this module registers every table on SQLModel.metadata."""

from storage.models.accounts import ChannelAccount, Lease, Staff, StaffLoginLink
from storage.models.assistant import ClientSummary
from storage.models.audit import AuditLog
from storage.models.broadcasts import Broadcast, BroadcastRecipient
from storage.models.calls import Call, TranscriptSegment
from storage.models.clients import (
    ChannelIdentity,
    Client,
    ClientContact,
    ClientTag,
    Contact,
    ContactMerge,
)
from storage.models.company import CompanySetting
from storage.models.conversations import Attachment, Conversation, Message, ProcessedEvent
from storage.models.mail import MailCursor
from storage.models.outbox import Outbox
from storage.models.raw import RawEvent
from storage.models.replies import PersonalReply, SavedReply
from storage.models.requests import Request, RequestNote
from storage.models.staffbot import ForumTopic, StaffDraft, StaffInvite, StaffNotice
from storage.models.work import Alert, Task

__all__ = [
    "Alert",
    "Attachment",
    "AuditLog",
    "Broadcast",
    "BroadcastRecipient",
    "Call",
    "ChannelAccount",
    "ChannelIdentity",
    "Client",
    "ClientContact",
    "ClientSummary",
    "ClientTag",
    "CompanySetting",
    "Contact",
    "ContactMerge",
    "Conversation",
    "ForumTopic",
    "Lease",
    "MailCursor",
    "Message",
    "Outbox",
    "PersonalReply",
    "ProcessedEvent",
    "RawEvent",
    "Request",
    "RequestNote",
    "SavedReply",
    "Staff",
    "StaffDraft",
    "StaffInvite",
    "StaffLoginLink",
    "StaffNotice",
    "Task",
    "TranscriptSegment",
]
