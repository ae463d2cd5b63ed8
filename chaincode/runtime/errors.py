"""Errors a contract raises to refuse a transaction.

Hierarchy::

    ContractError            any refusal; the message is returned to the client
    ├── AccessDenied         wrong role, organization or region
    ├── InvalidInput         malformed or out-of-range arguments
    ├── NotFound             the named object does not exist
    └── Conflict             the object exists but its state forbids the action

A refusal makes the peer return an error response, so nothing the transaction
wrote is endorsed or committed.
"""


class ContractError(Exception):
    """A refusal with a message meant for the user."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AccessDenied(ContractError):
    code = "access_denied"


class InvalidInput(ContractError):
    code = "invalid_input"


class NotFound(ContractError):
    code = "not_found"


class Conflict(ContractError):
    code = "conflict"
