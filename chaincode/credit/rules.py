"""The green-credit points model, as pure functions of violation records, rules and a moment.

Every violation recorded within the rolling window (``credit_window_days`` after its recording
transaction's timestamp) adds the points of its kind and severity, unless a regulator dismissed it or
an approved credit repair removed it. The sum gives the level: 0 green, up to ``blue_max`` blue, below
``red_from`` yellow, else red; a counted one-vote-veto violation makes it red whatever the sum. Only
integers and ledger timestamps are involved, and the facts are taken in (time, id) order, so the
same facts give the same standing on every peer whatever order they were recorded in.
"""

from __future__ import annotations

import datetime
from typing import Any, Iterable, Mapping

from chaincode.credit.parameters import CreditRules
from chaincode.facts import credit as levels
from chaincode.facts import violations

UTC = datetime.timezone.utc
CHINA_TIME = datetime.timezone(datetime.timedelta(hours=8), "CST")

COUNTING, EXPIRED, DISMISSED, REPAIRED = "counting", "expired", "dismissed", "repaired"


def moment(timestamp: float) -> datetime.datetime:
    """A transaction timestamp as an aware UTC time, to the millisecond (as stamps record it)."""
    return parse_time(iso(datetime.datetime.fromtimestamp(timestamp, UTC)))


def iso(value: datetime.datetime) -> str:
    """``2026-01-01T00:00:01.000Z``, the format of every stamp."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def china_date(text: str) -> str:
    """The calendar date (China Standard Time) of a stamp's time."""
    return parse_time(text).astimezone(CHINA_TIME).date().isoformat()


def window_start(now: datetime.datetime, rules: CreditRules) -> str:
    """The earliest recording time that still counts at ``now``."""
    return iso(now - datetime.timedelta(days=rules.window_days) + datetime.timedelta(milliseconds=1))


def counts_until(violation: Mapping[str, Any], rules: CreditRules) -> str:
    return iso(parse_time(violation["at"]) + datetime.timedelta(days=rules.window_days))


def repairable_from(violation: Mapping[str, Any], rules: CreditRules) -> str:
    days = rules.veto_repair_days if violation.get("veto") else rules.repair_min_days
    return iso(parse_time(violation["at"]) + datetime.timedelta(days=days))


def level_for(points: int, veto: bool, rules: CreditRules) -> str:
    if veto or points >= rules.red_from:
        return levels.RED
    if points == 0:
        return levels.GREEN
    return levels.BLUE if points <= rules.blue_max else levels.YELLOW


def contribution(violation: Mapping[str, Any], rules: CreditRules, now: datetime.datetime) -> dict[str, Any]:
    """One line of the explanation: what the violation adds now, and until when."""
    points = rules.points_of(violation["kind"], violation["severity"])
    until = counts_until(violation, rules)
    resolution = violation.get("resolution") or {}
    if resolution.get("outcome") == violations.DISMISSED:
        state = DISMISSED
    elif violation.get("repaired"):
        state = REPAIRED
    elif iso(now) >= until:
        state = EXPIRED
    else:
        state = COUNTING
    counted = state == COUNTING
    return {
        "violation": violation["id"],
        "kind": violation["kind"],
        "severity": violation["severity"],
        "source": violation["source"],
        "year": violation["year"],
        "recorded": violation["at"],
        "status": violation["status"],
        "veto": bool(violation.get("veto")),
        "table_points": points,
        "points": points if counted else 0,
        "state": state,
        "counts_until": until,
        "repair": (violation.get("repaired") or {}).get("repair"),
        "repairable_from": repairable_from(violation, rules),
    }


def score(facts: Iterable[Mapping[str, Any]], rules: CreditRules, now: datetime.datetime) -> dict[str, Any]:
    """``{level, points, veto, valid_until, facts}`` of an enterprise's violations at ``now``.

    ``veto`` lists the counted one-vote-veto violations; ``valid_until`` is when the first counted
    violation stops counting (the level may change then), ``None`` when none counts."""
    lines = [contribution(v, rules, now) for v in sorted(facts, key=lambda v: (v["at"], v["id"]))]
    counted = [line for line in lines if line["state"] == COUNTING]
    points = sum(line["points"] for line in counted)
    veto = [line["violation"] for line in counted if line["veto"]]
    return {
        "level": level_for(points, bool(veto), rules),
        "points": points,
        "veto": veto,
        "valid_until": min((line["counts_until"] for line in counted), default=None),
        "facts": lines,
    }
