"""The green-credit rules that live on the ledger as parameters (changeable by consortium vote).

* ``credit_points``: penalty points by violation kind and severity; the kind ``*`` applies to every kind
  the table does not name (it must give all four severities)
* ``credit_thresholds``: ``{blue_max, red_from}`` — 0 points is green, 1..blue_max blue, up to
  red_from - 1 yellow, red_from or more red (a counted one-vote-veto violation is red whatever the points)
* ``credit_window_days``: a violation counts for this many days after it was recorded
* ``credit_repair_min_days``: days after a violation was recorded before it can be repaired
* ``credit_veto_repair_days``: the same for one-vote-veto violations
* ``credit_yellow_extra_approval``: the steps a yellow enterprise needs an extra approval for
  (``cross_region_trade``: the coordinator approves too; manifests have their own parameter,
  ``extra_approval_levels`` of the waste domain, so one rule is never set in two places)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from chaincode.facts import violations
from chaincode.runtime import parameters
from common import canonical

DOMAIN = "credit"
ANY_KIND = "*"
EXTRA_STEPS = ("cross_region_trade",)
MAX_POINTS = 100

DEFAULT_POINTS = {
    ANY_KIND: {"minor": 1, "general": 2, "serious": 4, "severe": 8},
    "allowance_shortfall": {"minor": 2, "general": 4, "serious": 6, "severe": 8},
    "unpermitted_discharge": {"minor": 4, "general": 6, "serious": 8, "severe": 12},
    "monitoring_data_falsification": {"minor": 12, "general": 12, "serious": 12, "severe": 12},
    "monitoring_equipment_tampering": {"minor": 12, "general": 12, "serious": 12, "severe": 12},
    **{kind: {"severe": 12} for kind in violations.VETO_KINDS},
}


def _points_table(value: Any) -> str | None:
    if not isinstance(value, dict) or not value:
        return "the table must be a non-empty object of violation kinds" if isinstance(value, dict) \
            else f"got {value!r}"[:120]
    for kind, row in value.items():
        if not kind.strip() or len(kind) > 64:
            return f"violation kind {kind!r} must be 1 to 64 characters"
        if not isinstance(row, dict) or not row:
            return f"the points of kind {kind} must be a non-empty object of severities"
        for severity, points in row.items():
            if severity not in violations.SEVERITIES:
                return f"severity {severity!r} of kind {kind} must be one of {', '.join(violations.SEVERITIES)}"
            if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= MAX_POINTS:
                return f"points of {kind}/{severity} must be a whole number from 0 to {MAX_POINTS}, got {points!r}"
    if set(value.get(ANY_KIND, {})) != set(violations.SEVERITIES):
        return f"kind {ANY_KIND!r} (every other kind) must give points for {', '.join(violations.SEVERITIES)}"
    return None


def _thresholds(value: Any) -> str | None:
    if not isinstance(value, dict) or set(value) != {"blue_max", "red_from"}:
        return f"expected an object with blue_max and red_from, got {value!r}"[:120]
    blue_max, red_from = value["blue_max"], value["red_from"]
    if any(isinstance(v, bool) or not isinstance(v, int) for v in (blue_max, red_from)):
        return "blue_max and red_from must be whole numbers"
    if not 0 <= blue_max < red_from - 1 or red_from > 1000:
        return (f"need 0 <= blue_max < red_from - 1 <= 999 so that every level can be reached, got "
                f"blue_max {blue_max}, red_from {red_from}")
    return None


DECLARED = [
    parameters.declare("credit_points", type="an object: violation kind (or '*') → severity → points",
                       domain=DOMAIN, default=DEFAULT_POINTS, validate=_points_table,
                       description="green-credit penalty points of a violation by kind and severity ('*': "
                                   "every kind not named)"),
    parameters.declare("credit_thresholds", type="an object {blue_max, red_from} of whole points",
                       domain=DOMAIN, default={"blue_max": 3, "red_from": 12}, validate=_thresholds,
                       description="0 points green, 1..blue_max blue, below red_from yellow, red_from or more red"),
    parameters.declare("credit_window_days", type="a whole number of days from 1 to 3660", domain=DOMAIN,
                       default=365, validate=parameters.integer(1, 3660),
                       description="how long after it was recorded a violation counts in the green-credit score"),
    parameters.declare("credit_repair_min_days", type="a whole number of days from 0 to 3660", domain=DOMAIN,
                       default=90, validate=parameters.integer(0, 3660),
                       description="days after a violation was recorded before a credit repair may remove it"),
    parameters.declare("credit_veto_repair_days", type="a whole number of days from 0 to 3660", domain=DOMAIN,
                       default=365, validate=parameters.integer(0, 3660),
                       description="days after a one-vote-veto violation was recorded before it may be repaired"),
    parameters.declare("credit_yellow_extra_approval", type="a list of steps (cross_region_trade)", domain=DOMAIN, default=list(EXTRA_STEPS),
                       validate=parameters.string_list(lambda item: item in EXTRA_STEPS,
                                                       "step (cross_region_trade)"),
                       description="steps for which a yellow-rated enterprise needs an extra approval"),
]

DEFAULTS: dict[str, Any] = {parameter.name: parameter.default for parameter in DECLARED}
SCORING = ("credit_points", "credit_thresholds", "credit_window_days")


@dataclass(frozen=True)
class CreditRules:
    points: Mapping[str, Mapping[str, int]]
    blue_max: int
    red_from: int
    window_days: int
    repair_min_days: int
    veto_repair_days: int
    yellow_extra_approval: tuple[str, ...]
    basis: str  # fingerprint of the scoring parameters

    def points_of(self, kind: str, severity: str) -> int:
        row = self.points.get(kind, {})
        return int(row[severity]) if severity in row else int(self.points[ANY_KIND][severity])


def load_rules(get: Callable[[str], Any]) -> CreditRules:
    """Rules from a parameter reader ``get(name)`` (the ledger value, or ``None`` for the default)."""

    def value(name: str) -> Any:
        found = get(name)
        return DEFAULTS[name] if found is None else found

    scoring = {name: value(name) for name in SCORING}
    thresholds = scoring["credit_thresholds"]
    return CreditRules(
        points=scoring["credit_points"],
        blue_max=int(thresholds["blue_max"]),
        red_from=int(thresholds["red_from"]),
        window_days=int(scoring["credit_window_days"]),
        repair_min_days=int(value("credit_repair_min_days")),
        veto_repair_days=int(value("credit_veto_repair_days")),
        yellow_extra_approval=tuple(value("credit_yellow_extra_approval")),
        basis=hashlib.sha256(canonical.dumps(scoring)).hexdigest()[:16],
    )
