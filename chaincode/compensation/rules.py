"""The rules of ecological compensation, as pure functions over plain values (no ledger).

The 新安江 (Anhui–Zhejiang) index at a cross-border section::

    P = K0 × Σ Ki × (Ci / Ci0)

Ci is the period mean of joint monitoring, Ci0 the agreed baseline, Ki the
weights and K0 the stability coefficient. P ≤ 1: the downstream region pays
the upstream one; P > 1: the upstream region pays the downstream one.

Every quantity is a decimal string on the ledger and a :class:`~fractions.Fraction`
while computing, so P is exact: the decision "P ≤ 1" never depends on rounding
and every endorsing peer computes the same bytes. P is shown rounded half-even
to :data:`P_PLACES` decimal places next to its exact fraction.

The per-region variant: each region's discharge of a pollutant against its
regional standard; the relative distance ``(C − S) / S`` times a coefficient
(capped) is a penalty above the standard and a reward below it. Penalties are
paid into the coordinator's pool and rewards out of it; the larger side is
scaled down pro rata (largest remainder, in whole yuan) so the pool balances
exactly every period.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterable, Mapping

from chaincode.runtime.errors import InvalidInput

P_PLACES = 10
DECIMAL = re.compile(r"[0-9]{1,12}(\.[0-9]{1,12})?")
POLLUTANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
YEAR = re.compile(r"[0-9]{4}")
PERIOD_KINDS = ("month", "year")
UPSTREAM, DOWNSTREAM = "upstream", "downstream"
MAX_AMOUNT_YUAN = 10**13
MAX_DUE_DAYS = 3650


# -- decimals ------------------------------------------------------------------------------------

def parse_decimal(field: str, value: Any, *, positive: bool = False) -> Fraction:
    """A decimal given as a string (``"3.1"``) or a whole number; fractions of JSON (floats) are refused."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidInput(f"{field} must be a decimal written as a string, like \"3.1\", got {value!r}")
    text = str(value).strip()
    if not DECIMAL.fullmatch(text):
        raise InvalidInput(f"{field} must be a non-negative decimal with at most 12 digits before and after "
                           f"the point, like \"3.1\", got {value!r}")
    number = Fraction(Decimal(text))
    if positive and number <= 0:
        raise InvalidInput(f"{field} must be greater than zero, got {value!r}")
    return number


def text(number: Fraction) -> str:
    """A fraction whose decimal expansion terminates, written exactly (``Fraction(31, 10)`` → ``"3.1"``)."""
    value = Decimal(number.numerator) / Decimal(number.denominator)
    if Fraction(value) != number:
        raise ValueError(f"{number} has no exact decimal expansion")
    return _plain(value)


def rounded(number: Fraction, places: int = P_PLACES) -> str:
    """``number`` rounded half-even to ``places`` decimals, trailing zeros dropped."""
    scaled = number * 10**places
    whole = scaled.numerator // scaled.denominator
    rest = scaled - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2 == 1):
        whole += 1
    return _plain(Decimal(whole).scaleb(-places))


def _plain(value: Decimal) -> str:
    out = format(value.normalize(), "f")
    return out if out != "-0" else "0"


# -- agreements ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pollutant:
    code: str
    baseline: Fraction  # Ci0
    weight: Fraction  # Ki


@dataclass(frozen=True)
class Terms:
    pollutants: tuple[Pollutant, ...]
    k0: Fraction
    period: str  # month | year
    tolerance: Fraction  # relative: |a - b| <= tolerance × max(a, b)
    downstream_pays: int  # yuan, when P <= 1
    upstream_pays: int  # yuan, when P > 1
    arbiter: str  # "coordinator" or "none"
    due_days: int = 30  # days after settling within which payment is confirmed, else overdue

    def as_record(self) -> dict[str, Any]:
        return {
            "pollutants": [{"code": p.code, "baseline": text(p.baseline), "weight": text(p.weight)}
                           for p in self.pollutants],
            "k0": text(self.k0), "period": self.period, "tolerance": text(self.tolerance),
            "amounts": {"downstream_pays": self.downstream_pays, "upstream_pays": self.upstream_pays},
            "arbiter": self.arbiter, "due_days": self.due_days,
        }

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.pollutants]


def require_amount(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT_YUAN:
        raise InvalidInput(f"{field} must be a whole number of yuan from 0 to {MAX_AMOUNT_YUAN}, got {value!r}")
    return value


def check_terms(terms: Any, default_k0: str, default_weights: Mapping[str, str], default_due_days: int = 30) -> Terms:
    """The terms of an agreement; weights, K0 and the payment period default to the consortium's parameters."""
    if not isinstance(terms, dict):
        raise InvalidInput(f"terms must be an object, got {terms!r}"[:200])
    known = {"pollutants", "k0", "period", "tolerance", "amounts", "arbiter", "due_days"}
    unknown = sorted(set(terms) - known)
    if unknown:
        raise InvalidInput(f"terms: unknown field(s) {', '.join(unknown)}; accepted: {', '.join(sorted(known))}")
    raw = terms.get("pollutants")
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("terms.pollutants must be a non-empty list of {code, baseline, weight}")
    pollutants: list[Pollutant] = []
    for index, item in enumerate(raw):
        where = f"terms.pollutants[{index}]"
        if not isinstance(item, dict) or set(item) - {"code", "baseline", "weight"}:
            raise InvalidInput(f"{where} must be an object with code, baseline and (optionally) weight")
        code = item.get("code")
        if not isinstance(code, str) or not POLLUTANT.fullmatch(code):
            raise InvalidInput(f"{where}.code must be a pollutant code like NH3-N, got {code!r}")
        if code in (p.code for p in pollutants):
            raise InvalidInput(f"pollutant {code} is listed twice")
        if "baseline" not in item:
            raise InvalidInput(f"{where}: the baseline concentration Ci0 of {code} is missing")
        baseline = parse_decimal(f"the baseline of {code}", item["baseline"], positive=True)
        weight_value = item.get("weight", default_weights.get(code))
        if weight_value is None:
            raise InvalidInput(f"{where}: {code} has no weight and no default weight "
                               f"(defaults exist for {', '.join(sorted(default_weights))})")
        weight = parse_decimal(f"the weight of {code}", weight_value, positive=True)
        pollutants.append(Pollutant(code, baseline, weight))
    total = sum((p.weight for p in pollutants), Fraction(0))
    if total != 1:
        raise InvalidInput(f"the weights Ki must add up to 1, they add up to {rounded(total)}")
    k0 = parse_decimal("terms.k0", terms.get("k0", default_k0), positive=True)
    if k0 > 1:
        raise InvalidInput(f"the stability coefficient K0 must lie in (0, 1], got {text(k0)}")
    period = terms.get("period", "month")
    if period not in PERIOD_KINDS:
        raise InvalidInput(f"terms.period must be one of {', '.join(PERIOD_KINDS)}, got {period!r}")
    tolerance = parse_decimal("terms.tolerance", terms.get("tolerance", "0.1"))
    if tolerance >= 1:
        raise InvalidInput(f"terms.tolerance is relative and must be below 1, got {text(tolerance)}")
    amounts = terms.get("amounts")
    if not isinstance(amounts, dict) or set(amounts) != {"downstream_pays", "upstream_pays"}:
        raise InvalidInput("terms.amounts must be {downstream_pays, upstream_pays} in whole yuan")
    arbiter = terms.get("arbiter", "none")
    if arbiter not in ("coordinator", "none"):
        raise InvalidInput(f"terms.arbiter must be coordinator or none, got {arbiter!r}")
    due_days = terms.get("due_days", default_due_days)
    if isinstance(due_days, bool) or not isinstance(due_days, int) or not 0 <= due_days <= MAX_DUE_DAYS:
        raise InvalidInput(f"terms.due_days must be a whole number of days from 0 to {MAX_DUE_DAYS}, got {due_days!r}")
    return Terms(tuple(pollutants), k0, period, tolerance,
                 require_amount("amounts.downstream_pays", amounts["downstream_pays"]),
                 require_amount("amounts.upstream_pays", amounts["upstream_pays"]), arbiter, due_days)


def terms_of(record: Mapping[str, Any]) -> Terms:
    """The terms stored in an agreement record."""
    t = record["terms"]
    return Terms(tuple(Pollutant(p["code"], Fraction(Decimal(p["baseline"])), Fraction(Decimal(p["weight"])))
                       for p in t["pollutants"]),
                 Fraction(Decimal(t["k0"])), t["period"], Fraction(Decimal(t["tolerance"])),
                 t["amounts"]["downstream_pays"], t["amounts"]["upstream_pays"], t["arbiter"], t["due_days"])


# -- periods -------------------------------------------------------------------------------------

def period_end(kind: str, period: Any) -> float:
    """The first instant (UTC epoch seconds) after ``period`` (``2026-05`` for a month, ``2026`` for a year)."""
    if kind == "month":
        match = MONTH.fullmatch(period) if isinstance(period, str) else None
        if match is None:
            raise InvalidInput(f"period must be a month like 2026-05 (this agreement settles monthly), "
                               f"got {period!r}")
        year, month = int(match.group(1)), int(match.group(2))
        last = calendar.monthrange(year, month)[1]
        end = datetime.datetime(year, month, last, tzinfo=datetime.timezone.utc) + datetime.timedelta(days=1)
    else:
        if not isinstance(period, str) or not YEAR.fullmatch(period):
            raise InvalidInput(f"period must be a year like 2026 (this agreement settles yearly), got {period!r}")
        end = datetime.datetime(int(period) + 1, 1, 1, tzinfo=datetime.timezone.utc)
    return end.timestamp()


def period_kind_of(period: Any) -> str:
    if isinstance(period, str) and MONTH.fullmatch(period):
        return "month"
    if isinstance(period, str) and YEAR.fullmatch(period):
        return "year"
    raise InvalidInput(f"period must be a month like 2026-05 or a year like 2026, got {period!r}")


def require_ended(kind: str, period: Any, now: float) -> None:
    if period_end(kind, period) > now:
        raise InvalidInput(f"period {period} has not ended yet; period means are submitted after the period")


# -- measurements --------------------------------------------------------------------------------

def check_values(values: Any, codes: Iterable[str], field: str = "values") -> dict[str, Fraction]:
    """One non-negative concentration per agreed pollutant, no more, no fewer."""
    expected = list(codes)
    if not isinstance(values, dict):
        raise InvalidInput(f"{field} must be an object of pollutant code → concentration, got {values!r}"[:200])
    missing = [c for c in expected if c not in values]
    extra = sorted(set(values) - set(expected))
    if missing or extra:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"not in the agreement: {', '.join(extra)}"] if extra else [])
        raise InvalidInput(f"{field} must give exactly the agreed pollutants ({', '.join(expected)}): "
                           + "; ".join(parts))
    return {c: parse_decimal(f"the value of {c}", values[c]) for c in expected}


def as_texts(values: Mapping[str, Fraction]) -> dict[str, str]:
    return {code: text(value) for code, value in values.items()}


def from_texts(values: Mapping[str, str]) -> dict[str, Fraction]:
    return {code: Fraction(Decimal(value)) for code, value in values.items()}


@dataclass(frozen=True)
class Comparison:
    official: dict[str, Fraction] | None  # the means, when every pollutant is within tolerance
    differences: list[dict[str, str]]  # pollutants outside tolerance: code, the two values, the gap


def compare(first: Mapping[str, Fraction], second: Mapping[str, Fraction], tolerance: Fraction) -> Comparison:
    """Within tolerance (|a − b| ≤ tolerance × max(a, b) for every pollutant) → the exact means; else the gaps."""
    differences = []
    for code in first:
        a, b = first[code], second[code]
        if abs(a - b) > tolerance * max(a, b):
            differences.append({"pollutant": code, "first": text(a), "second": text(b), "gap": text(abs(a - b))})
    if differences:
        return Comparison(None, differences)
    return Comparison({code: (first[code] + second[code]) / 2 for code in first}, [])


# -- the index and settlement --------------------------------------------------------------------

@dataclass(frozen=True)
class Index:
    p: Fraction
    terms: list[dict[str, str]]  # per pollutant: code, Ci, Ci0, Ki, Ki × Ci / Ci0

    @property
    def upstream_pays(self) -> bool:
        return self.p > 1

    def as_record(self) -> dict[str, Any]:
        return {"p": rounded(self.p), "p_exact": f"{self.p.numerator}/{self.p.denominator}",
                "above_one": self.upstream_pays, "terms": self.terms}


def compensation_index(terms: Terms, official: Mapping[str, Fraction]) -> Index:
    """P = K0 × Σ Ki × (Ci / Ci0), exactly."""
    rows = []
    total = Fraction(0)
    for pollutant in terms.pollutants:
        c = official[pollutant.code]
        part = pollutant.weight * c / pollutant.baseline
        total += part
        rows.append({"pollutant": pollutant.code, "ci": text(c), "ci0": text(pollutant.baseline),
                     "ki": text(pollutant.weight), "ki_ci_over_ci0": rounded(part)})
    return Index(terms.k0 * total, rows)


def settlement_terms(terms: Terms, index: Index, upstream: str, downstream: str) -> dict[str, Any]:
    """Payer, payee and amount: P ≤ 1 → downstream pays upstream; P > 1 → upstream pays downstream."""
    if index.upstream_pays:
        return {"payer": upstream, "payee": downstream, "amount_yuan": terms.upstream_pays,
                "rule": "P > 1: the upstream region pays the downstream region"}
    return {"payer": downstream, "payee": upstream, "amount_yuan": terms.downstream_pays,
            "rule": "P <= 1: the downstream region pays the upstream region"}


# -- the per-region variant ----------------------------------------------------------------------

@dataclass(frozen=True)
class RegionalRow:
    region: str
    value: Fraction
    standard: Fraction


def regional_settlement(rows: Iterable[RegionalRow], coefficient_yuan: int, cap_yuan: int) -> dict[str, Any]:
    """Rewards below the standard, penalties above it, balanced through the coordinator's pool."""
    lines = []
    for row in sorted(rows, key=lambda r: r.region):
        distance = (row.value - row.standard) / row.standard
        raw = min(Fraction(cap_yuan), coefficient_yuan * abs(distance))
        kind = "penalty" if distance > 0 else "reward" if distance < 0 else "none"
        lines.append({"region": row.region, "value": text(row.value), "standard": text(row.standard),
                      "distance": rounded(distance, 6), "kind": kind, "computed_yuan": _whole(raw)})
    penalties = sum(line["computed_yuan"] for line in lines if line["kind"] == "penalty")
    rewards = sum(line["computed_yuan"] for line in lines if line["kind"] == "reward")
    pool = min(penalties, rewards)
    for kind, total in (("penalty", penalties), ("reward", rewards)):
        chosen = [line for line in lines if line["kind"] == kind]
        for line, amount in zip(chosen, _share(pool, [line["computed_yuan"] for line in chosen], total)):
            line["amount_yuan"] = amount
    for line in lines:
        line.setdefault("amount_yuan", 0)
    paid_in = sum(line["amount_yuan"] for line in lines if line["kind"] == "penalty")
    paid_out = sum(line["amount_yuan"] for line in lines if line["kind"] == "reward")
    return {"regions": lines, "pool": {"in_yuan": paid_in, "out_yuan": paid_out, "balance_yuan": paid_in - paid_out},
            "computed": {"penalties_yuan": penalties, "rewards_yuan": rewards}}


def _whole(value: Fraction) -> int:
    """Whole yuan, rounded half-even."""
    floor = value.numerator // value.denominator
    rest = value - floor
    return floor + 1 if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1) else floor


def _share(pool: int, weights: list[int], total: int) -> list[int]:
    """Split ``pool`` yuan in proportion to ``weights`` (summing to ``total``): largest remainder, ties by order."""
    if total == 0 or pool == 0:
        return [0] * len(weights)
    exact = [Fraction(pool * w, total) for w in weights]
    floors = [e.numerator // e.denominator for e in exact]
    left = pool - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def regional_standard(standards: Mapping[str, Mapping[str, str]], pollutant: str, region: str) -> Fraction:
    """The region's own standard for ``pollutant``, else the consortium-wide one (``*``)."""
    per_region = standards.get(pollutant)
    if per_region is None:
        raise InvalidInput(f"pollutant {pollutant} has no regional standard; standards exist for "
                           f"{', '.join(sorted(standards)) or 'no pollutant'}")
    value = per_region.get(region, per_region.get("*"))
    if value is None:
        raise InvalidInput(f"pollutant {pollutant} has no standard for region {region} and no default (*)")
    return Fraction(Decimal(value))
