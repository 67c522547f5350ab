"""All entity models; importing this package registers every mapper on `db.base.Base`."""

from db.models.attachments import ATTACHMENT_OWNERS, Attachment, PrintSnapshot
from db.models.reference import AuditEntry, CodeEntry
from db.models.register import Household, Person, PersonDistinction, Region, TagAssignment, Visit
from db.models.work import (
    Case,
    CaseLogEntry,
    CaseParty,
    CaseWhistle,
    Task,
    TaskFeedback,
    TaskLink,
    TaskTarget,
)

# Parents before children: the order a snapshot or a batch is applied in.
SYNC_ORDER = [
    "code_entry",
    "household",
    "person",
    "tag_assignment",
    "person_distinction",
    "visit",
    "task",
    "task_target",
    "task_link",
    "task_feedback",
    "case",
    "case_party",
    "case_log",
    "case_whistle",
    "attachment",
    "print_snapshot",
    "audit_entry",
]

__all__ = [
    "ATTACHMENT_OWNERS", "Attachment", "PrintSnapshot",
    "AuditEntry", "Case", "CaseLogEntry", "CaseParty", "CaseWhistle", "CodeEntry", "Household",
    "Person", "PersonDistinction", "Region", "SYNC_ORDER", "TagAssignment", "Task", "TaskFeedback", "TaskLink",
    "TaskTarget", "Visit",
]
