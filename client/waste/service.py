"""Manifest and facility calls as one identity: arguments in ledger units, writes retried after a lost race.

A lost race (two transporters signing the same step at once) is simulated again by
:func:`client.retry.submit_with_retry`; the second attempt then meets the committed signature and is
refused by the chaincode with its own message, so exactly one signature lands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from client.retry import RetryCallback, RetryPolicy, submit_with_retry

FIELDS = ("quantity", "containers", "hazards", "received_quantity", "received_code")


class WasteError(Exception):
    """A request the client refuses before sending anything."""


def split_list(text: str) -> list[str]:
    """``"HW08 900-249-08, HW49 900-041-49"`` → the two codes (commas separate, blanks around them go)."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise WasteError(f"{text!r} has an empty item; separate items by single commas")
    return items


def correction_value(field_name: str, text: str, parse_quantity: Any) -> Any:
    """The ledger value of a correction typed on the command line."""
    if field_name in ("quantity", "received_quantity"):
        return parse_quantity(text)
    if field_name == "containers":
        if not text.strip().isdigit():
            raise WasteError(f"containers must be a whole number, got {text!r}")
        return int(text)
    if field_name == "hazards":
        return split_list(text)
    if field_name == "received_code":
        return text.strip()
    raise WasteError(f"field must be one of {', '.join(FIELDS)}, got {field_name!r}")


def without_none(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


@dataclass
class WasteClient:
    """``Facility:*`` and ``Manifest:*`` through ``contract`` (a SyncContract, or anything with submit/evaluate)."""

    contract: Any
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    on_retry: RetryCallback | None = None

    def submit(self, function: str, args: Mapping[str, Any]) -> Any:
        return submit_with_retry(self.contract, function, args, policy=self.policy, on_retry=self.on_retry)

    def evaluate(self, function: str, args: Mapping[str, Any]) -> Any:
        return self.contract.evaluate(function, dict(args))

    # -- writes ------------------------------------------------------------------------------------
    def licence(self, entity: str, codes: Sequence[str], capacity: int, until: str) -> Any:
        return self.submit("Facility:Licence", {"entity": entity, "codes": list(codes), "capacity": capacity,
                                                "until": until})

    def create(self, *, code: str, quantity: int, form: str, facility: str, transporters: Sequence[str],
               hazards: Sequence[str], containers: int | None = None) -> Any:
        return self.submit("Manifest:Create", without_none(
            code=code, quantity=quantity, form=form, facility=facility, transporters=list(transporters),
            hazards=list(hazards), containers=containers))

    def approve(self, number: str, total: int | None = None, months: int | None = None) -> Any:
        return self.submit("Manifest:Approve", without_none(manifest_id=number, total=total, months=months))

    def consent(self, number: str) -> Any:
        return self.submit("Manifest:Consent", {"manifest_id": number})

    def refuse(self, number: str, reason: str) -> Any:
        return self.submit("Manifest:Refuse", {"manifest_id": number, "reason": reason})

    def pickup(self, number: str, quantity: int) -> Any:
        return self.submit("Manifest:Pickup", {"manifest_id": number, "quantity": quantity})

    def handoff(self, number: str, to: str) -> Any:
        return self.submit("Manifest:Handoff", {"manifest_id": number, "to": to})

    def receive(self, number: str, quantity: int, code: str | None = None, containers: int | None = None) -> Any:
        return self.submit("Manifest:Receive", without_none(manifest_id=number, quantity=quantity, code=code,
                                                            containers=containers))

    def reject(self, number: str, quantity: int, to: str, reason: str, transporters: Sequence[str] = (),
               containers: int | None = None) -> Any:
        return self.submit("Manifest:Reject", without_none(
            manifest_id=number, quantity=quantity, to=to, reason=reason,
            transporters=list(transporters) or None, containers=containers))

    def resolve(self, number: str, reason: str, responsible: str | None = None, outcome: str | None = None) -> Any:
        return self.submit("Manifest:Resolve", without_none(manifest_id=number, reason=reason,
                                                            responsible=responsible, outcome=outcome))

    def correct(self, number: str, field_name: str, value: Any, reason: str) -> Any:
        return self.submit("Manifest:Correct", {"manifest_id": number, "field": field_name, "value": value,
                                                "reason": reason})

    def answer(self, number: str, accept: bool, reason: str | None = None) -> Any:
        return self.submit("Manifest:Answer", without_none(manifest_id=number, accept=accept, reason=reason))

    def dispose(self, number: str, method: str) -> Any:
        return self.submit("Manifest:Dispose", {"manifest_id": number, "method": method})

    # -- reads -------------------------------------------------------------------------------------
    def show(self, number: str) -> dict[str, Any]:
        return self.evaluate("Manifest:Show", {"manifest_id": number})

    def trace(self, number: str) -> dict[str, Any]:
        return self.evaluate("Manifest:Trace", {"manifest_id": number})

    def alerts(self) -> dict[str, Any]:
        """The first page of every kind of alert, by kind."""
        return self.evaluate("Manifest:Alerts", {})["alerts"]

    def facility(self, entity: str) -> dict[str, Any]:
        return self.evaluate("Facility:Show", {"entity": entity})
