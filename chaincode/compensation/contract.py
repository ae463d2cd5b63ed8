"""Contract ``Compensation``: ecological compensation between regions (the 新安江 model) and its per-region variant.

Bilateral agreements live on the pair channel of their two regions, so the third region cannot read them:

* ``Propose`` — the regulator of the upstream or the downstream region tables an agreement (section,
  pollutants with baselines Ci0 and weights Ki, K0, period, tolerance, amounts, arbiter). ``Sign`` — the
  other region's regulator puts it in force. The agreement, its periods and settlements carry a key-level
  endorsement policy requiring both regions' peers: neither region can change them alone.
* ``Submit`` — each region's monitor submits its period means; when both are in, values within tolerance
  are averaged into the official values, otherwise the period is disputed.
* ``Resolve`` — both regulators sign the same agreed values; ``Arbitrate`` — the coordinator rules, when
  the agreement names it arbiter. A disputed period cannot settle.
* ``Settle`` — P = K0 × Σ Ki × (Ci / Ci0), exactly; P ≤ 1: downstream pays upstream, P > 1: upstream pays
  downstream. ``Confirm`` — the payer confirms payment, then the payee receipt; past its due date an
  unconfirmed settlement is overdue.
* ``Show``, ``Statement`` (every period of an agreement), ``RegionStatement`` (what a region paid and
  received in a year), ``List``.

Per-region variant (on the all-members channel): ``RegionalSubmit`` (a region's regulator or monitor
submits its discharge of a period), ``RegionalSettle`` (the coordinator settles rewards and penalties,
balanced through its pool) and ``Regional``.
"""

from __future__ import annotations

import re
from typing import Any

from chaincode.compensation import rules, store
from chaincode.compensation.parameters import CompensationRules, load_rules
from chaincode.compensation.store import AGREEMENTS, PERIODS, REGIONAL, REGIONAL_RESULTS, SETTLEMENTS
from chaincode.monitoring import api as monitoring
from chaincode.registry import api as registry
from chaincode.runtime import endorsement
from chaincode.runtime.access import role_required, who
from chaincode.runtime.checks import require_choice, require_id, require_text
from chaincode.runtime.context import TxContext
from chaincode.runtime.errors import AccessDenied, Conflict, InvalidInput, NotFound
from chaincode.runtime.keys import MAX_RUNE
from chaincode.runtime.router import Contract, transaction
from chaincode.runtime.stamps import IdSequence, iso_time, new_id, stamp_for
from common.names import COORDINATOR, MONITOR, REGULATOR

AGREEMENT_PREFIX = "CA"
SETTLEMENT_PREFIX = "CS"
DAY_SECONDS = 86_400
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_STATEMENT_ROWS = 1000

EVENT_PROPOSED = "CompensationProposed"
EVENT_SIGNED = "CompensationSigned"
EVENT_SUBMITTED = "CompensationMeansSubmitted"
EVENT_AGREED = "CompensationPeriodAgreed"
EVENT_DISPUTED = "CompensationPeriodDisputed"
EVENT_RESOLVED = "CompensationDisputeResolved"
EVENT_SETTLED = "CompensationSettled"
EVENT_CONFIRMED = "CompensationConfirmed"
EVENT_REGIONAL_SUBMITTED = "RegionalDischargeSubmitted"
EVENT_REGIONAL_SETTLED = "RegionalCompensationSettled"


def rules_of(ctx: TxContext) -> CompensationRules:
    return load_rules(lambda name: registry.parameter(ctx, name))


def pair_channels(first: str, second: str) -> set[str]:
    """The names the consortium gives the pair channel of two regions (``bj-hb``; either order)."""
    a, b = first.lower(), second.lower()
    return {f"{a}-{b}", f"{b}-{a}"}


def require_region_code(field: str, value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{2,8}", value):
        raise InvalidInput(f"{field} must be a region code like BJ, got {value!r}")
    return value


def require_evidence(evidence: Any) -> dict[str, Any] | None:
    """An optional fingerprint of the raw data behind a mean: ``{sha256, size}``."""
    if evidence is None:
        return None
    if (not isinstance(evidence, dict) or set(evidence) != {"sha256", "size"}
            or not isinstance(evidence["sha256"], str) or not SHA256.fullmatch(evidence["sha256"])
            or isinstance(evidence["size"], bool) or not isinstance(evidence["size"], int) or evidence["size"] < 0):
        raise InvalidInput("evidence must be {sha256: 64 lowercase hex digits, size: bytes} of the raw data file")
    return {"sha256": evidence["sha256"], "size": evidence["size"]}


def acting_region(ctx: TxContext, function: str, roles: tuple[str, ...]) -> str:
    """The region a regulator (or, where allowed, a monitoring station) acts for; anyone else is refused."""
    caller = ctx.caller
    if caller.role == MONITOR and MONITOR in roles:
        return monitoring.acting_monitor(ctx, function, need_station=False).region
    if REGULATOR in roles and (caller.role == REGULATOR or len(roles) == 1):
        return registry.acting_regulator(ctx, function)
    has = f"role '{caller.role}'" if caller.role else "no role"
    raise AccessDenied(f"role {' or '.join(repr(r) for r in roles)} of a region is required for {function}; "
                       f"{who(caller)} has {has}")


def acting_coordinator(ctx: TxContext, function: str) -> None:
    """An admin or ``role=coordinator`` identity of the coordinator organization."""
    caller = ctx.caller
    member = registry.caller_member(ctx)
    if not registry.is_coordinator(member):
        raise AccessDenied(f"{function} is for the coordinator organization; {who(caller)} belongs to "
                           f"{member['kind']} {member['code']}")
    if not (caller.is_admin or caller.role == COORDINATOR):
        raise role_required(COORDINATOR, function, caller)


def side_of(agreement: dict[str, Any], region: str) -> str | None:
    for side in (rules.UPSTREAM, rules.DOWNSTREAM):
        if agreement[side]["region"] == region:
            return side
    return None


def other_region(agreement: dict[str, Any], region: str) -> str:
    return agreement["downstream" if agreement["upstream"]["region"] == region else "upstream"]["region"]


def reader_of(ctx: TxContext, agreement: dict[str, Any], function: str) -> str:
    """Who reads an agreement: a regulator or monitor of either region, or the coordinator when it arbitrates."""
    member = registry.caller_member(ctx)
    if registry.is_coordinator(member):
        if agreement["terms"]["arbiter"] == "coordinator":
            return COORDINATOR
        raise AccessDenied(f"compensation agreement {agreement['id']} does not name the coordinator as arbiter, "
                           f"so it is visible to {agreement['upstream']['region']} and "
                           f"{agreement['downstream']['region']} only")
    region = acting_region(ctx, function, (REGULATOR, MONITOR))
    if side_of(agreement, region) is None:
        raise AccessDenied(f"compensation agreement {agreement['id']} is outside the data permission of "
                           f"{who(ctx.caller)}")
    return region


def load_agreement(ctx: TxContext, agreement_id: Any) -> dict[str, Any]:
    require_id("agreement", agreement_id, AGREEMENT_PREFIX)
    return ctx.load(AGREEMENTS, agreement_id)


def require_in_force(agreement: dict[str, Any]) -> None:
    if agreement["status"] != "in_force":
        raise Conflict(f"compensation agreement {agreement['id']} is not in force yet: the "
                       f"{other_region(agreement, agreement['proposed_by'])} regulator has not signed it")


def policy_of(agreement: dict[str, Any]) -> bytes:
    return endorsement.all_of_peers([agreement["upstream"]["msp_id"], agreement["downstream"]["msp_id"]])


def save_guarded(ctx: TxContext, key: str, record: dict[str, Any], agreement: dict[str, Any]) -> None:
    """Write one of the agreement's records under the two regions' key-level endorsement policy."""
    ctx.put_json(key, record)
    ctx.endorse_key(key, policy_of(agreement))


def load_period(ctx: TxContext, agreement: dict[str, Any], period: Any) -> dict[str, Any]:
    rules.period_end(agreement["terms"]["period"], period)
    found = ctx.get_json(PERIODS.key(agreement["id"], period))
    if found is None:
        raise NotFound(f"period {period} of compensation agreement {agreement['id']} has no submissions yet")
    return found


def with_overdue(settlement: dict[str, Any], now: float) -> dict[str, Any]:
    overdue = settlement["status"] != "received" and now > settlement["due_at"]
    return {**settlement, "overdue": overdue}


def decided(ctx: TxContext, agreement: dict[str, Any], period: dict[str, Any], official: dict[str, Any],
            how: str, **details: Any) -> None:
    period.update(status="resolved", official=rules.as_texts(official),
                  resolution={**period.get("resolution", {}), "how": how, "decided": stamp_for(ctx).record(),
                              **details})
    save_guarded(ctx, PERIODS.key(agreement["id"], period["period"]), period, agreement)
    ctx.emit(EVENT_RESOLVED, {"agreement": agreement["id"], "period": period["period"], "how": how,
                              "official": period["official"], "tx_id": ctx.tx_id})


class CompensationContract(Contract):
    name = "Compensation"

    # -- agreements ------------------------------------------------------------------------------
    @transaction
    def propose(self, ctx: TxContext, upstream: Any, downstream: Any, section: Any, terms: Any) -> dict[str, Any]:
        """The regulator of the upstream or downstream region tables an agreement on their pair channel."""
        function = "Compensation:Propose"
        region = acting_region(ctx, function, (REGULATOR,))
        require_region_code("upstream", upstream)
        require_region_code("downstream", downstream)
        if upstream == downstream:
            raise InvalidInput(f"upstream and downstream must be two different regions, got {upstream} twice")
        if region not in (upstream, downstream):
            raise AccessDenied(f"regulator {who(ctx.caller)} of {region} cannot propose an agreement between "
                               f"{upstream} and {downstream}")
        if ctx.channel_id not in pair_channels(upstream, downstream):
            raise InvalidInput(f"an agreement between {upstream} and {downstream} belongs on their pair channel "
                               f"{sorted(pair_channels(upstream, downstream))[0]} (or its reverse), not on "
                               f"{ctx.channel_id}, where others could read it")
        require_text("section", section, 200)
        upstream_msp, downstream_msp = registry.region_msp(ctx, upstream), registry.region_msp(ctx, downstream)
        config = rules_of(ctx)
        checked = rules.check_terms(terms, config.default_k0, config.default_weights, config.due_days)
        stamp = stamp_for(ctx)
        agreement_id = new_id(ctx, IdSequence(ctx.tx_id), AGREEMENT_PREFIX, AGREEMENTS)
        record = {"id": agreement_id, "channel": ctx.channel_id, "section": section,
                  "upstream": {"region": upstream, "msp_id": upstream_msp},
                  "downstream": {"region": downstream, "msp_id": downstream_msp},
                  "terms": checked.as_record(), "status": "proposed", "proposed_by": region,
                  "proposed": stamp.record(), "signed": None,
                  "endorsement": endorsement.describe(endorsement.all_of_peers([upstream_msp, downstream_msp]))}
        ctx.save(AGREEMENTS, record)
        ctx.endorse_key(AGREEMENTS.key(agreement_id), policy_of(record))
        ctx.emit(EVENT_PROPOSED, {"agreement": agreement_id, "upstream": upstream, "downstream": downstream,
                                  "section": section, "by": region, "tx_id": ctx.tx_id})
        return record

    @transaction
    def sign(self, ctx: TxContext, agreement: Any) -> dict[str, Any]:
        """The other region's regulator signs: the agreement is in force."""
        function = "Compensation:Sign"
        record = load_agreement(ctx, agreement)
        region = acting_region(ctx, function, (REGULATOR,))
        if side_of(record, region) is None:
            raise AccessDenied(f"compensation agreement {agreement} is outside the data permission of "
                               f"{who(ctx.caller)}")
        if record["status"] == "in_force":
            raise Conflict(f"compensation agreement {agreement} is already in force (signed by "
                           f"{record['signed']['by']['name']}@{record['signed']['by']['msp_id']})")
        if region == record["proposed_by"]:
            raise Conflict(f"compensation agreement {agreement} was proposed by {region}; it comes into force "
                           f"when the {other_region(record, region)} regulator signs it")
        record.update(status="in_force", signed=stamp_for(ctx).record())
        ctx.save(AGREEMENTS, record)
        ctx.emit(EVENT_SIGNED, {"agreement": agreement, "by": region, "tx_id": ctx.tx_id})
        return record

    @transaction
    def show(self, ctx: TxContext, agreement: Any) -> dict[str, Any]:
        """The agreement and the key-level endorsement policy its key carries on the ledger."""
        record = load_agreement(ctx, agreement)
        reader_of(ctx, record, "Compensation:Show")
        policy = ctx.key_policy(AGREEMENTS.key(agreement))
        return {**record, "ledger_policy": endorsement.describe(policy) if policy else None}

    @transaction
    def settlement(self, ctx: TxContext, settlement: Any) -> dict[str, Any]:
        """One settlement (with whether it is overdue), for the readers of its agreement."""
        require_id("settlement", settlement, SETTLEMENT_PREFIX)
        record = ctx.load(SETTLEMENTS, settlement)
        reader_of(ctx, ctx.load(AGREEMENTS, record["agreement"]), "Compensation:Settlement")
        return with_overdue(record, ctx.timestamp)

    @transaction
    def list(self, ctx: TxContext, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """The agreements the caller may read: its region's, or (coordinator) those it arbitrates."""
        member = registry.caller_member(ctx)
        if registry.is_coordinator(member):
            span = store.AGREEMENTS_BY_ARBITER.span(COORDINATOR)
        else:
            span = store.AGREEMENTS_BY_REGION.span(acting_region(ctx, "Compensation:List", (REGULATOR, MONITOR)))
        return ctx.indexed(AGREEMENTS, span, limit, bookmark).as_dict()

    # -- joint monitoring ------------------------------------------------------------------------
    @transaction
    def submit(self, ctx: TxContext, agreement: Any, period: Any, values: Any,
               evidence: Any = None) -> dict[str, Any]:
        """A region's monitor submits its period means at the section; both in → agreed or disputed."""
        function = "Compensation:Submit"
        record = load_agreement(ctx, agreement)
        region = acting_region(ctx, function, (MONITOR,))
        if side_of(record, region) is None:
            raise AccessDenied(f"compensation agreement {agreement} is outside the data permission of "
                               f"{who(ctx.caller)}")
        require_in_force(record)
        terms = rules.terms_of(record)
        rules.require_ended(terms.period, period, ctx.timestamp)
        measured = rules.check_values(values, terms.codes)
        proof = require_evidence(evidence)
        key = PERIODS.key(agreement, period)
        state = ctx.get_json(key) or {"agreement": agreement, "period": period, "status": "open",
                                      "measurements": {}, "official": None, "differences": [],
                                      "settlement": None}
        if region in state["measurements"]:
            raise Conflict(f"{region} already submitted its means for period {period} of agreement {agreement} "
                           f"(transaction {state['measurements'][region]['submitted']['tx_id']})")
        state["measurements"][region] = {"values": rules.as_texts(measured), "evidence": proof,
                                         "submitted": stamp_for(ctx).record()}
        ctx.emit(EVENT_SUBMITTED, {"agreement": agreement, "period": period, "region": region, "tx_id": ctx.tx_id})
        if len(state["measurements"]) == 2:
            upstream = rules.from_texts(state["measurements"][record["upstream"]["region"]]["values"])
            downstream = rules.from_texts(state["measurements"][record["downstream"]["region"]]["values"])
            comparison = rules.compare(upstream, downstream, terms.tolerance)
            if comparison.official is not None:
                state.update(status="agreed", official=rules.as_texts(comparison.official))
                ctx.emit(EVENT_AGREED, {"agreement": agreement, "period": period, "official": state["official"],
                                        "tx_id": ctx.tx_id})
            else:
                state.update(status="disputed", differences=[
                    {"pollutant": d["pollutant"], record["upstream"]["region"]: d["first"],
                     record["downstream"]["region"]: d["second"], "gap": d["gap"]} for d in comparison.differences])
                ctx.emit(EVENT_DISPUTED, {"agreement": agreement, "period": period,
                                          "differences": state["differences"], "tx_id": ctx.tx_id})
        save_guarded(ctx, key, state, record)
        return state

    # -- disputes --------------------------------------------------------------------------------
    @transaction
    def resolve(self, ctx: TxContext, agreement: Any, period: Any, values: Any) -> dict[str, Any]:
        """Each regulator signs the values it agrees to; identical values from both sides become official."""
        function = "Compensation:Resolve"
        record = load_agreement(ctx, agreement)
        region = acting_region(ctx, function, (REGULATOR,))
        if side_of(record, region) is None:
            raise AccessDenied(f"compensation agreement {agreement} is outside the data permission of "
                               f"{who(ctx.caller)}")
        state = load_period(ctx, record, period)
        if state["status"] != "disputed":
            raise Conflict(f"period {period} of agreement {agreement} is {state['status']}, not disputed; "
                           f"only a disputed period is resolved")
        agreed = rules.check_values(values, rules.terms_of(record).codes)
        resolution = state.setdefault("resolution", {"proposals": {}})
        proposals = resolution.setdefault("proposals", {})
        proposals[region] = {"values": rules.as_texts(agreed), "signed": stamp_for(ctx).record()}
        other = proposals.get(other_region(record, region))
        if other is not None and rules.from_texts(other["values"]) == agreed:
            decided(ctx, record, state, agreed, "both regulators")
        else:
            save_guarded(ctx, PERIODS.key(agreement, period), state, record)
        return state

    @transaction
    def arbitrate(self, ctx: TxContext, agreement: Any, period: Any, values: Any,
                  reason: Any = "") -> dict[str, Any]:
        """The coordinator rules on a disputed period, when the agreement names it arbiter."""
        function = "Compensation:Arbitrate"
        record = load_agreement(ctx, agreement)
        acting_coordinator(ctx, function)
        if record["terms"]["arbiter"] != "coordinator":
            raise AccessDenied(f"compensation agreement {agreement} does not name the coordinator as arbiter; "
                               f"its disputes are resolved by both regulators")
        state = load_period(ctx, record, period)
        if state["status"] != "disputed":
            raise Conflict(f"period {period} of agreement {agreement} is {state['status']}, not disputed; "
                           f"only a disputed period is arbitrated")
        ruled = rules.check_values(values, rules.terms_of(record).codes)
        if reason:
            require_text("reason", reason)
        decided(ctx, record, state, ruled, "coordinator", reason=reason or "")
        return state

    # -- settlement ------------------------------------------------------------------------------
    @transaction
    def settle(self, ctx: TxContext, agreement: Any, period: Any) -> dict[str, Any]:
        """Compute P from the official values and record who pays whom."""
        function = "Compensation:Settle"
        record = load_agreement(ctx, agreement)
        region = acting_region(ctx, function, (REGULATOR,))
        if side_of(record, region) is None:
            raise AccessDenied(f"compensation agreement {agreement} is outside the data permission of "
                               f"{who(ctx.caller)}")
        require_in_force(record)
        state = load_period(ctx, record, period)
        status = state["status"]
        if status == "settled":
            raise Conflict(f"period {period} of agreement {agreement} is already settled "
                           f"(settlement {state['settlement']})")
        if status == "disputed":
            raise Conflict(f"period {period} of agreement {agreement} is disputed and cannot settle until both "
                           f"regulators resolve it" + (" or the coordinator arbitrates"
                                                       if record["terms"]["arbiter"] == "coordinator" else ""))
        if status == "open":
            missing = sorted({record["upstream"]["region"], record["downstream"]["region"]}
                             - set(state["measurements"]))
            raise Conflict(f"period {period} of agreement {agreement} cannot settle: {', '.join(missing)} has not "
                           f"submitted its means")
        terms = rules.terms_of(record)
        index = rules.compensation_index(terms, rules.from_texts(state["official"]))
        who_pays = rules.settlement_terms(terms, index, record["upstream"]["region"],
                                          record["downstream"]["region"])
        due_at = ctx.timestamp + terms.due_days * DAY_SECONDS
        settlement_id = new_id(ctx, IdSequence(ctx.tx_id), SETTLEMENT_PREFIX, SETTLEMENTS)
        settlement = {"id": settlement_id, "agreement": agreement, "period": period, **who_pays,
                      "index": index.as_record(), "inputs": {"official": state["official"], "k0": record["terms"]["k0"],
                                                             "pollutants": record["terms"]["pollutants"]},
                      "status": "awaiting_payment", "settled": stamp_for(ctx).record(), "due_at": due_at,
                      "due": iso_time(due_at), "paid": None, "received": None}
        ctx.save(SETTLEMENTS, settlement)
        ctx.endorse_key(SETTLEMENTS.key(settlement_id), policy_of(record))
        state.update(status="settled", settlement=settlement_id, index=index.as_record())
        save_guarded(ctx, PERIODS.key(agreement, period), state, record)
        ctx.emit(EVENT_SETTLED, {"agreement": agreement, "period": period, "settlement": settlement_id,
                                 "p": index.as_record()["p"], "payer": who_pays["payer"], "payee": who_pays["payee"],
                                 "amount_yuan": who_pays["amount_yuan"], "tx_id": ctx.tx_id})
        return settlement

    @transaction
    def confirm(self, ctx: TxContext, settlement: Any, step: Any) -> dict[str, Any]:
        """The payer's regulator confirms payment (``paid``), then the payee's confirms receipt (``received``)."""
        function = "Compensation:Confirm"
        require_choice("step", step, ("paid", "received"))
        require_id("settlement", settlement, SETTLEMENT_PREFIX)
        record = ctx.load(SETTLEMENTS, settlement)
        agreement = ctx.load(AGREEMENTS, record["agreement"])
        region = acting_region(ctx, function, (REGULATOR,))
        if side_of(agreement, region) is None:
            raise AccessDenied(f"compensation settlement {settlement} is outside the data permission of "
                               f"{who(ctx.caller)}")
        party = record["payer"] if step == "paid" else record["payee"]
        if region != party:
            raise AccessDenied(f"only the {'payer' if step == 'paid' else 'payee'} {party} confirms that settlement "
                               f"{settlement} was {step}; {who(ctx.caller)} acts for {region}")
        if record[step] is not None:
            raise Conflict(f"settlement {settlement} was already confirmed {step} in transaction "
                           f"{record[step]['tx_id']}")
        if step == "received" and record["paid"] is None:
            raise Conflict(f"settlement {settlement} cannot be confirmed received before {record['payer']} "
                           f"confirms payment")
        record[step] = stamp_for(ctx).record()
        record["status"] = step
        ctx.save(SETTLEMENTS, record)
        ctx.emit(EVENT_CONFIRMED, {"settlement": settlement, "step": step, "by": region, "tx_id": ctx.tx_id})
        return with_overdue(record, ctx.timestamp)

    # -- statements ------------------------------------------------------------------------------
    @transaction
    def statement(self, ctx: TxContext, agreement: Any, limit: Any = None, bookmark: Any = None) -> dict[str, Any]:
        """Every period of an agreement (one page): both sides' values, official values, P, who paid whom."""
        record = load_agreement(ctx, agreement)
        reader_of(ctx, record, "Compensation:Statement")

        def row(key: str, period: dict[str, Any]) -> dict[str, Any]:
            if period.get("settlement"):
                period = {**period, "settlement": with_overdue(ctx.load(SETTLEMENTS, period["settlement"]),
                                                               ctx.timestamp)}
            return period

        page = ctx.page(PERIODS.span(agreement), limit, bookmark, row).as_dict()
        return {"agreement": record, **page}

    @transaction
    def region_statement(self, ctx: TxContext, region: Any, year: Any) -> dict[str, Any]:
        """What a region paid and received in a year over the agreements on this channel."""
        require_region_code("region", region)
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2999:
            raise InvalidInput(f"year must be a year like 2026, got {year!r}")
        member = registry.caller_member(ctx)
        if not registry.is_coordinator(member):
            acting = acting_region(ctx, "Compensation:RegionStatement", (REGULATOR, MONITOR))
            if acting != region:
                raise AccessDenied(f"the compensation statement of {region} is outside the data permission of "
                                   f"{who(ctx.caller)}")
        start = store.SETTLEMENTS_BY_REGION.prefix(region) + str(year)
        rows, paid, received = [], 0, 0
        for _, settlement_id in ctx.range(start, start + MAX_RUNE):
            settlement = with_overdue(ctx.load(SETTLEMENTS, settlement_id), ctx.timestamp)
            if registry.is_coordinator(member) and ctx.load(
                    AGREEMENTS, settlement["agreement"])["terms"]["arbiter"] != "coordinator":
                continue
            if len(rows) >= MAX_STATEMENT_ROWS:
                raise InvalidInput(f"more than {MAX_STATEMENT_ROWS} settlements in {year}; ask per agreement")
            rows.append(settlement)
            if settlement["payer"] == region:
                paid += settlement["amount_yuan"]
            else:
                received += settlement["amount_yuan"]
        return {"region": region, "year": year, "channel": ctx.channel_id, "paid_yuan": paid,
                "received_yuan": received, "net_yuan": received - paid, "settlements": rows}

    # -- the per-region variant ------------------------------------------------------------------
    @transaction
    def regional_submit(self, ctx: TxContext, period: Any, pollutant: Any, value: Any,
                        evidence: Any = None) -> dict[str, Any]:
        """A region's regulator or monitor submits its discharge (mean concentration) of a period."""
        function = "Compensation:RegionalSubmit"
        region = acting_region(ctx, function, (REGULATOR, MONITOR))
        kind = rules.period_kind_of(period)
        rules.require_ended(kind, period, ctx.timestamp)
        standard = rules.regional_standard(rules_of(ctx).regional_standards, require_text("pollutant", pollutant, 32),
                                           region)
        measured = rules.parse_decimal("value", value)
        proof = require_evidence(evidence)
        if ctx.get(REGIONAL_RESULTS.key(period, pollutant)) is not None:
            raise Conflict(f"period {period} of {pollutant} is already settled")
        key = REGIONAL.key(period, pollutant, region)
        previous = ctx.get_json(key)
        if previous is not None:
            raise Conflict(f"{region} already submitted its {pollutant} discharge for {period} "
                           f"(transaction {previous['submitted']['tx_id']})")
        entry = {"period": period, "pollutant": pollutant, "region": region, "value": rules.text(measured),
                 "standard": rules.text(standard), "evidence": proof, "submitted": stamp_for(ctx).record()}
        ctx.put_json(key, entry)
        ctx.emit(EVENT_REGIONAL_SUBMITTED, {"period": period, "pollutant": pollutant, "region": region,
                                            "tx_id": ctx.tx_id})
        return entry

    @transaction
    def regional_settle(self, ctx: TxContext, period: Any, pollutant: Any) -> dict[str, Any]:
        """The coordinator settles a period once every region submitted: rewards and penalties balance."""
        function = "Compensation:RegionalSettle"
        acting_coordinator(ctx, function)
        rules.period_kind_of(period)
        require_text("pollutant", pollutant, 32)
        if ctx.get(REGIONAL_RESULTS.key(period, pollutant)) is not None:
            raise Conflict(f"period {period} of {pollutant} is already settled")
        submitted = {entry["region"]: entry for _, entry in ctx.range(*REGIONAL.span(period, pollutant))}
        regions = sorted(m["code"] for m in registry.members(ctx) if not registry.is_coordinator(m))
        missing = [r for r in regions if r not in submitted]
        if missing:
            raise Conflict(f"period {period} of {pollutant} cannot settle: {', '.join(missing)} has not submitted "
                           f"its discharge")
        config = rules_of(ctx)
        outcome = rules.regional_settlement(
            [rules.RegionalRow(r, rules.from_texts({"v": submitted[r]["value"]})["v"],
                               rules.from_texts({"s": submitted[r]["standard"]})["s"]) for r in regions],
            config.regional_coefficient_yuan, config.regional_cap_yuan)
        result = {"period": period, "pollutant": pollutant, **outcome,
                  "coefficient_yuan": config.regional_coefficient_yuan, "cap_yuan": config.regional_cap_yuan,
                  "settled": stamp_for(ctx).record()}
        ctx.put_json(REGIONAL_RESULTS.key(period, pollutant), result)
        ctx.emit(EVENT_REGIONAL_SETTLED, {"period": period, "pollutant": pollutant, "pool": outcome["pool"],
                                          "tx_id": ctx.tx_id})
        return result

    @transaction
    def regional(self, ctx: TxContext, period: Any, pollutant: Any) -> dict[str, Any]:
        """A period's submissions and (once settled) its rewards, penalties and pool; any member reads it."""
        registry.caller_member(ctx)
        rules.period_kind_of(period)
        require_text("pollutant", pollutant, 32)
        submitted = [entry for _, entry in ctx.range(*REGIONAL.span(period, pollutant))]
        return {"period": period, "pollutant": pollutant, "submissions": submitted,
                "result": ctx.get_json(REGIONAL_RESULTS.key(period, pollutant))}
