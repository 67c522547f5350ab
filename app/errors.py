"""The one error path for users (docs/ARCHITECTURE.md "Conventions"): every failure a user can act on is a
`UserFacingError` carrying a machine code and the parameters of its message; the readable text
comes from the catalogue in `app.messages`, so the same error reads the same in the desktop client,
the command line and a server's 4xx body. Anything that is not a `UserFacingError` is a bug: the UI
logs it with its traceback and shows a generic failure. Callers branch on `code` (or the subclass),
never on the message text."""

from __future__ import annotations

from typing import Any

from app.messages import text


class UserFacingError(Exception):
    """A failure the user can understand and act on: a machine `code` plus message parameters.

    Parameters are for the message only; never put ID numbers, phones or names into them, because
    errors end up in logs."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)

    def message(self, lang: str = "zh_CN") -> str:
        return text(self.code, lang, **self.params)

    def __str__(self) -> str:
        return f"{self.code}: {self.message('en')}"


class ValidationError(UserFacingError):
    """Bad input in one field: `field` names the attribute (e.g. "id_number") so a form can show the
    message next to it."""

    def __init__(self, field: str, code: str, /, **params: Any) -> None:
        super().__init__(code, **params)
        self.field = field


class NotFoundError(UserFacingError):
    """The record does not exist (or has been deleted) — a stale list, or another device's delete."""

    def __init__(self, entity: str, record_id: str) -> None:
        super().__init__("not_found", entity=entity)
        self.record_id = record_id


class ScopeError(UserFacingError):
    """The record lies outside the region the user is responsible for."""

    def __init__(self) -> None:
        super().__init__("out_of_scope")


class PermissionDenied(UserFacingError):
    """The user's role may not perform this action."""

    def __init__(self, action: str) -> None:
        super().__init__("permission_denied", action=action)


class WorkflowError(UserFacingError):
    """A status change the workflow does not allow from the record's current status."""
