"""Ecological compensation through the gateway: agreement files, values, and which channel holds what.

**Channels.** A bilateral agreement lives on the pair channel of its two
regions (``bj-hb``), which the third region's peers do not hold. Commands
that name an agreement or settlement without ``--channel`` look for it on
every pair channel the acting identity's organization belongs to
(:meth:`CompensationClient.locate`); the per-region variant runs on the
all-members channel.

**Exact numbers.** Concentrations, baselines, weights, K0 and the tolerance
travel as decimal strings exactly as written (the agreement file is read with
every scalar as text), so no binary fraction ever reaches the chaincode.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from client.retry import RetryCallback, submit_with_retry

PAIR_SEPARATOR = "-"
DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
AMOUNT = re.compile(r"[0-9][0-9_,]*")


class CompensationError(Exception):
    """A compensation request the client refuses before sending anything."""


# -- input ---------------------------------------------------------------------------------------

def parse_values(text: str) -> dict[str, str]:
    """``"CODMn=3.1,NH3-N=0.42"`` → ``{"CODMn": "3.1", "NH3-N": "0.42"}`` (values kept as written)."""
    values: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        code, sep, value = part.partition("=")
        code, value = code.strip(), value.strip()
        if not sep or not code or not DECIMAL.fullmatch(value):
            raise CompensationError(f"--values: {part!r} is not POLLUTANT=DECIMAL (like NH3-N=0.42)")
        if code in values:
            raise CompensationError(f"--values: {code} is given twice")
        values[code] = value
    if not values:
        raise CompensationError("--values: give at least one POLLUTANT=DECIMAL")
    return values


def fingerprint(path: str | Path) -> dict[str, Any]:
    """``{sha256, size}`` of a raw data file, the evidence behind a submitted mean."""
    data = Path(path).read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def load_terms(path: str | Path) -> dict[str, Any]:
    """The terms of an agreement from YAML; every number is kept as the text written in the file.

    ``pollutants`` is a list of ``{code, baseline, weight}`` or a map ``code: baseline`` /
    ``code: {baseline, weight}``; ``amounts`` are whole yuan (``100_000_000`` or ``100,000,000``).
    """
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.load(handle, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds only strings
    except (OSError, yaml.YAMLError) as err:
        raise CompensationError(f"cannot read agreement file {path}: {err}") from None
    if not isinstance(document, dict):
        raise CompensationError(f"agreement file {path} must hold a mapping (pollutants, amounts, ...)")
    terms: dict[str, Any] = {key: value for key, value in document.items()
                             if key in ("k0", "period", "tolerance", "arbiter")}
    if "due_days" in document:
        terms["due_days"] = _amount("due_days", document["due_days"], "days")
    pollutants = document.get("pollutants")
    if isinstance(pollutants, dict):
        pollutants = [{"code": code, **(spec if isinstance(spec, dict) else {"baseline": spec})}
                      for code, spec in pollutants.items()]
    if pollutants is not None:
        terms["pollutants"] = pollutants
    amounts = document.get("amounts")
    if isinstance(amounts, dict):
        terms["amounts"] = {key: _amount(key, value) for key, value in amounts.items()}
    elif amounts is not None:
        terms["amounts"] = amounts
    unknown = sorted(set(document) - {"k0", "period", "tolerance", "arbiter", "pollutants", "amounts", "due_days"})
    if unknown:
        raise CompensationError(f"agreement file {path}: unknown field(s) {', '.join(unknown)}")
    return terms


def _amount(name: str, value: Any, unit: str = "yuan") -> Any:
    if isinstance(value, str) and AMOUNT.fullmatch(value.strip()):
        return int(value.strip().replace("_", "").replace(",", ""))
    where = name if unit != "yuan" else f"amounts.{name}"
    raise CompensationError(f"{where} must be a whole number of {unit}, got {value!r}")


# -- channels ------------------------------------------------------------------------------------

def pair_channels(channels: Iterable[Any], msp_id: str) -> list[str]:
    """Names of the two-organization channels ``msp_id`` belongs to (consortium order)."""
    return [c.name for c in channels if len(c.orgs) == 2 and msp_id in {o.msp_id for o in c.orgs}]


def pair_channel(channels: Iterable[Any], first: str, second: str) -> str:
    """The channel of exactly the two regions ``first`` and ``second`` (codes like BJ, HB)."""
    for channel in channels:
        if len(channel.orgs) == 2 and {o.code for o in channel.orgs} == {first, second}:
            return channel.name
    raise CompensationError(f"the consortium has no pair channel of {first} and {second}")


def not_found(error: Exception) -> bool:
    """Whether the chaincode refused because the named agreement or settlement does not exist here."""
    message = getattr(error, "chaincode_message", None) or ""
    return "does not exist" in message


class CompensationClient:
    """Compensation calls as one identity; ``contract_for(channel)`` gives the chaincode on a channel."""

    def __init__(self, contract_for: Callable[[str | None], Any], candidates: Sequence[str],
                 on_retry: RetryCallback | None = None) -> None:
        self._contract_for = contract_for
        self.candidates = list(candidates)
        self._on_retry = on_retry

    def contract(self, channel: str | None) -> Any:
        return self._contract_for(channel)

    def submit(self, channel: str | None, function: str, args: Mapping[str, Any]) -> Any:
        return submit_with_retry(self.contract(channel), function, args, on_retry=self._on_retry)

    def evaluate(self, channel: str | None, function: str, args: Mapping[str, Any]) -> Any:
        return self.contract(channel).evaluate(function, args)

    def locate(self, kind: str, object_id: str, channel: str | None = None) -> str:
        """The channel holding agreement (``kind="agreement"``) or settlement ``object_id``."""
        if channel:
            return channel
        function = "Compensation:Show" if kind == "agreement" else "Compensation:Settlement"
        for candidate in self.candidates:
            try:
                self.evaluate(candidate, function, {kind: object_id})
                return candidate
            except Exception as err:
                if not_found(err):
                    continue
                raise
        where = ", ".join(self.candidates) or "no pair channel"
        raise CompensationError(f"{kind} {object_id} is on none of the channels of your organization ({where}); "
                                f"name one with --channel")
