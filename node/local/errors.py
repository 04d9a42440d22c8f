"""Domain errors: each maps to one HTTP status in the web layer."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal by the neighbourhood domain."""

    status = 400
    code = "invalid"

    def __init__(self, message: str = "", fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(DomainError):
    """Input that breaks a rule; `fields` maps field names to messages."""

    status = 422
    code = "invalid"


class BadQuery(Invalid):
    """A query parameter that cannot be understood (scope=, near=, radius=): 400."""

    status = 400
    code = "bad_request"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class NotAllowed(DomainError):
    """The acting resident may not do this."""

    status = 403
    code = "forbidden"


class InvalidTransition(DomainError):
    """The move is not legal from the current state (e.g. return before handover)."""

    status = 409
    code = "conflict"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Stale(DomainError):
    """The item changed since the version the editor saw (If-Match, the edit form's version)."""

    status = 412
    code = "precondition_failed"
