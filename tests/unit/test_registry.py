"""Registry contract on the in-memory ledger: bootstrap, reads, parameters, identity."""

from __future__ import annotations

import copy

import pytest

from chaincode.app import build_router
from chaincode.app import all_contracts
from chaincode.registry.contract import RegistryContract
from chaincode.registry.store import BOOTSTRAP_KEY, MEMBERS as MEMBER_KEYS
from chaincode.runtime import parameters as catalogue
from chaincode.runtime.parameters import PARAMS
from chaincode.runtime.memory import MemoryLedger, make_identity
from chaincode.runtime.errors import InvalidInput
from chaincode.runtime.router import STATUS_OK, STATUS_REFUSED
from common import canonical as serialization

MEMBERS = [
    {"msp_id": "BJMSP", "code": "BJ", "name": "北京市生态环境局", "kind": "region"},
    {"msp_id": "TJMSP", "code": "TJ", "name": "天津市生态环境局", "kind": "region"},
    {"msp_id": "HEMSP", "code": "HE", "name": "河北省生态环境厅", "kind": "region"},
    {"msp_id": "JJJMSP", "code": "JJJ", "name": "京津冀协同办公室", "kind": "coordinator"},
]
PARAMETERS = {"max_transfer_tons": 5000, "fee_basis_points": 25, "regions": ["BJ", "TJ", "HE"]}

# Parameters of a stand-in domain, declared in the catalogue the way a domain's parameters module does.
for _name, _validate in [("max_transfer_tons", catalogue.integer(0, 10**9)),
                         ("fee_basis_points", catalogue.integer(0, 10_000)),
                         ("regions", catalogue.string_list()),
                         ("audit.sample_per_mille", catalogue.integer(0, 1000))]:
    if _name not in {p.name for p in catalogue.catalogue()}:
        catalogue.declare(_name, type="a test value", default=0 if _name != "regions" else [],
                          validate=_validate, description="declared by the registry tests", domain="test")


def declared(values: dict) -> dict:
    """The entries of ``values`` named in PARAMETERS (Registry:Parameters lists the whole catalogue)."""
    return {name: values[name] for name in PARAMETERS}

BJ_ADMIN = make_identity("BJMSP", "bj-admin", ou="admin")
TJ_ADMIN = make_identity("TJMSP", "tj-admin", ou="admin")
COORDINATOR_ADMIN = make_identity("JJJMSP", "jjj-admin", ou="admin")
COORDINATOR_CLERK = make_identity("JJJMSP", "jjj-clerk", role="regulator")
BJ_USER = make_identity("BJMSP", "alice", role="enterprise", region="BJ", entity="E-0042")
OUTSIDER_ADMIN = make_identity("SHMSP", "sh-admin", ou="admin")


@pytest.fixture
def ledger() -> MemoryLedger:
    return MemoryLedger(build_router())


@pytest.fixture
def bootstrapped(ledger: MemoryLedger) -> MemoryLedger:
    ledger.result(ledger.submit(BJ_ADMIN, "Registry:Bootstrap", members=MEMBERS, parameters=PARAMETERS))
    return ledger


def refused(ledger: MemoryLedger, who, function: str, expected: str, **args) -> str:
    """Submit a call that must be refused: status 400, message naming the thing, nothing written."""
    state_before = dict(ledger.state)
    events_before = list(ledger.events)
    response = ledger.submit(who, function, **args)
    assert response.status == STATUS_REFUSED, response
    assert expected in response.message
    assert ledger.state == state_before
    assert ledger.events == events_before
    return response.message


class TestBootstrap:
    def test_writes_every_member_and_parameter_and_emits_one_event(self, ledger):
        result = ledger.result(ledger.submit(BJ_ADMIN, "Registry:Bootstrap", members=MEMBERS, parameters=PARAMETERS))

        assert result == {"changed": True, "members": 4, "parameters": 3}
        assert ledger.result(ledger.evaluate(BJ_USER, "Registry:Member", msp_id="HEMSP")) == MEMBERS[2]
        assert declared(ledger.result(ledger.evaluate(BJ_USER, "Registry:Parameters"))) == PARAMETERS
        assert ledger.events == [("ConsortiumBootstrapped", {
            "members": ["BJMSP", "HEMSP", "JJJMSP", "TJMSP"],
            "parameters": ["fee_basis_points", "max_transfer_tons", "regions"],
            "by": {"msp_id": "BJMSP", "name": "bj-admin"},
        })]
        assert set(ledger.state) == {*(MEMBER_KEYS.key(m["msp_id"]) for m in MEMBERS),
                                     *(PARAMS.key(name) for name in PARAMETERS), BOOTSTRAP_KEY}

    def test_repeating_identical_content_is_a_successful_no_op(self, bootstrapped):
        state_before = dict(bootstrapped.state)
        reordered = list(reversed(MEMBERS))

        response = bootstrapped.submit(TJ_ADMIN, "Registry:Bootstrap", members=reordered, parameters=PARAMETERS)

        assert response.status == STATUS_OK
        assert bootstrapped.result(response) == {"changed": False}
        assert bootstrapped.state == state_before
        assert len(bootstrapped.events) == 1

    def test_repeating_the_original_content_stays_a_no_op_after_a_parameter_changed(self, bootstrapped):
        write_through_catalogue(bootstrapped, {"max_transfer_tons": 6000})
        state_before = dict(bootstrapped.state)

        response = bootstrapped.submit(BJ_ADMIN, "Registry:Bootstrap", members=MEMBERS, parameters=PARAMETERS)

        assert bootstrapped.result(response) == {"changed": False}
        assert bootstrapped.state == state_before
        assert bootstrapped.result(bootstrapped.evaluate(BJ_USER, "Registry:Parameters"))["max_transfer_tons"] == 6000

    def test_refuses_different_content_after_bootstrap(self, bootstrapped):
        changed = dict(PARAMETERS, max_transfer_tons=1)
        message = refused(bootstrapped, BJ_ADMIN, "Registry:Bootstrap", "already bootstrapped",
                          members=MEMBERS, parameters=changed)
        assert "parameters change only through adopted proposals" in message
        assert "bj-admin" in message

    def test_refuses_an_extra_member_after_bootstrap(self, bootstrapped):
        extra = MEMBERS + [{"msp_id": "SHMSP", "code": "SH", "name": "上海", "kind": "region"}]
        refused(bootstrapped, BJ_ADMIN, "Registry:Bootstrap", "already bootstrapped",
                members=extra, parameters=PARAMETERS)

    def test_refuses_a_caller_who_is_not_an_admin(self, ledger):
        message = refused(ledger, BJ_USER, "Registry:Bootstrap", "requires an organization admin",
                          members=MEMBERS, parameters=PARAMETERS)
        assert "alice@BJMSP" in message

    def test_refuses_an_admin_whose_organization_is_not_among_members(self, ledger):
        refused(ledger, OUTSIDER_ADMIN, "Registry:Bootstrap", "organization SHMSP is not among members",
                members=MEMBERS, parameters=PARAMETERS)

    @pytest.mark.parametrize("change, expected", [
        (lambda m: m.clear(), "members must be a non-empty list"),
        (lambda m: m.__setitem__(1, "TJMSP"), "members[1] must be an object"),
        (lambda m: m[1].update(region="TJ"), "members[1] has unknown field(s) region"),
        (lambda m: m[2].pop("kind"), "members[2] is missing field(s) kind"),
        (lambda m: m[1].update(msp_id="TJ MSP"), "members[1].msp_id must be"),
        (lambda m: m[1].update(msp_id=7), "members[1].msp_id must be"),
        (lambda m: m[1].update(code="tj"), "members[1].code must be 2-16 uppercase"),
        (lambda m: m[1].update(code="T"), "members[1].code must be"),
        (lambda m: m[1].update(name="  "), "members[1].name must be a non-empty string"),
        (lambda m: m[1].update(kind="city"), "members[1].kind must be one of region, coordinator, got 'city'"),
        (lambda m: m[3].update(msp_id="BJMSP"), "members[3].msp_id BJMSP appears twice (also members[0])"),
        (lambda m: m[2].update(code="TJ"), "members[2].code TJ appears twice (also members[1])"),
    ])
    def test_refuses_invalid_members_naming_the_field(self, ledger, change, expected):
        members = copy.deepcopy(MEMBERS)
        change(members)
        refused(ledger, BJ_ADMIN, "Registry:Bootstrap", expected, members=members, parameters=PARAMETERS)

    def test_refuses_members_that_are_not_a_list(self, ledger):
        refused(ledger, BJ_ADMIN, "Registry:Bootstrap", "members must be a non-empty list",
                members={"BJMSP": "BJ"}, parameters=PARAMETERS)

    @pytest.mark.parametrize("parameters, expected", [
        ([["max_transfer_tons", 5000]], "parameters must be an object"),
        ({"9lives": 1}, "parameters name '9lives' must be a parameter name"),
        ({"fee rate": 1}, "parameters name 'fee rate' must be a parameter name"),
        ({"fee_rate": 0.25}, "parameters.fee_rate is a fraction (0.25)"),
        ({"limits": {"BJ": [1, 2.5]}}, "parameters.limits.BJ[1] is a fraction (2.5)"),
        ({"fee_rate": None}, "parameters.fee_rate must not be null"),
    ])
    def test_refuses_invalid_parameters_naming_the_field(self, ledger, parameters, expected):
        refused(ledger, BJ_ADMIN, "Registry:Bootstrap", expected, members=MEMBERS, parameters=parameters)

    def test_accepts_a_consortium_without_coordinator_and_without_parameters(self, ledger):
        regions_only = [m for m in MEMBERS if m["kind"] == "region"]
        result = ledger.result(ledger.submit(BJ_ADMIN, "Registry:Bootstrap", members=regions_only, parameters={}))
        assert result == {"changed": True, "members": 3, "parameters": 0}


class TestReads:
    def test_members_lists_every_member_ordered_by_msp_id(self, bootstrapped):
        listed = bootstrapped.result(bootstrapped.evaluate(BJ_USER, "Registry:Members"))
        assert [m["msp_id"] for m in listed] == ["BJMSP", "HEMSP", "JJJMSP", "TJMSP"]
        assert listed[2] == MEMBERS[3]

    def test_members_is_empty_before_bootstrap(self, ledger):
        assert ledger.result(ledger.evaluate(BJ_USER, "Registry:Members")) == []

    def test_member_reports_an_unknown_organization_as_not_found(self, bootstrapped):
        response = bootstrapped.evaluate(BJ_USER, "Registry:Member", msp_id="SHMSP")
        assert response.status == STATUS_REFUSED
        assert response.message == "member organization SHMSP does not exist"

    def test_member_refuses_a_non_string_msp_id(self, bootstrapped):
        response = bootstrapped.evaluate(BJ_USER, "Registry:Member", msp_id=["BJMSP"])
        assert response.status == STATUS_REFUSED
        assert response.message == "msp_id must be a non-empty string"

    def test_before_bootstrap_every_parameter_reads_as_its_catalogued_default(self, ledger):
        values = ledger.result(ledger.evaluate(BJ_USER, "Registry:Parameters"))
        assert values == {p.name: p.default for p in catalogue.catalogue()}
        assert values["credit_market_barred"] == ["red"]

    def test_the_catalogue_lists_type_default_domain_and_whether_the_consortium_set_it(self, bootstrapped):
        rows = {row["name"]: row for row in bootstrapped.result(bootstrapped.evaluate(BJ_USER, "Registry:Catalogue"))}
        assert rows["fee_basis_points"]["value"] == 25 and rows["fee_basis_points"]["set"] is True
        assert rows["import_barred_regions"] == {
            "name": "import_barred_regions", "type": "a list of region codes", "default": [], "value": [],
            "set": False, "domain": "permit",
            "description": "regions that missed their quality target and may not import allowances"}


def write_through_catalogue(ledger: MemoryLedger, changes: dict) -> dict:
    """What an adopted proposal does when it closes (unit tests of other contracts take this short cut)."""
    def get_json(key):
        raw = ledger.state.get(key)
        return None if raw is None else serialization.loads(raw)

    def put_json(key, value):
        ledger.state[key] = serialization.dumps(value)

    return catalogue.apply(get_json, put_json, changes)


class TestNoBackDoor:
    """Parameters change only when an adopted proposal closes (see test_governance_back_door.py)."""

    @pytest.mark.parametrize("who", [COORDINATOR_ADMIN, BJ_ADMIN, COORDINATOR_CLERK, OUTSIDER_ADMIN])
    def test_there_is_no_set_parameter_transaction_for_anyone(self, bootstrapped, who):
        message = refused(bootstrapped, who, "Registry:SetParameter", "unknown function 'Registry:SetParameter'",
                          name="fee_basis_points", value=1)
        assert "Proposal:Table" in message  # the list of known functions shows the way that exists

    def test_bootstrap_refuses_an_uncatalogued_parameter(self, ledger):
        refused(ledger, BJ_ADMIN, "Registry:Bootstrap", "unknown parameter 'max_import'",
                members=MEMBERS, parameters={"max_import": 5})

    def test_bootstrap_refuses_a_badly_typed_value_naming_parameter_and_type(self, ledger):
        refused(ledger, BJ_ADMIN, "Registry:Bootstrap",
                "parameter fee_basis_points expects a test value: got a boolean (True)",
                members=MEMBERS, parameters={**PARAMETERS, "fee_basis_points": True})

    def test_bootstrap_refuses_values_that_break_a_catalogue_constraint(self, ledger):
        refused(ledger, BJ_ADMIN, "Registry:Bootstrap", "the minimum 7200 would exceed the maximum 3600",
                members=MEMBERS, parameters={"voting_min_seconds": 7200, "voting_max_seconds": 3600})


class TestCatalogue:
    @pytest.mark.parametrize("name, value, expected", [
        ("no_such_rule", 1, "unknown parameter 'no_such_rule'; known parameters: "),
        ("fee_basis_points", True, "parameter fee_basis_points expects a test value: got a boolean (True)"),
        ("import_barred_regions", "HB", "parameter import_barred_regions expects a list of region codes: "
                                        "got a string ('HB')"),
        ("import_barred_regions", ["hb"], "parameter import_barred_regions expects a list of region codes: "
                                          "item 0 must be a region code, got 'hb'"),
        ("air_basin", {"BJ": ""}, "parameter air_basin expects an object mapping region codes to air basin names"),
        ("credit_market_barred", ["purple"], "item 0 must be a level (green, blue, yellow or red), got 'purple'"),
        ("pollutants", ["SO2", "SO2"], "parameter pollutants expects a list of pollutant codes: items must not repeat"),
    ])
    def test_unknown_names_and_badly_typed_values_are_refused_naming_parameter_and_type(self, bootstrapped, name,
                                                                                       value, expected):
        state_before = dict(bootstrapped.state)
        with pytest.raises(InvalidInput) as refusal:
            write_through_catalogue(bootstrapped, {name: value})
        assert expected in refusal.value.message
        assert bootstrapped.state == state_before

    def test_apply_reports_old_and_new_and_skips_an_unchanged_value(self, bootstrapped):
        changed = write_through_catalogue(bootstrapped, {"fee_basis_points": 30, "max_transfer_tons": 5000,
                                                         "audit.sample_per_mille": 50})
        assert changed == {"fee_basis_points": {"old": 25, "new": 30},
                           "audit.sample_per_mille": {"old": None, "new": 50}}
        assert bootstrapped.result(bootstrapped.evaluate(BJ_USER, "Registry:Parameters"))["fee_basis_points"] == 30
        assert bootstrapped.state[PARAMS.key("audit.sample_per_mille")] == b"50"

    def test_a_constraint_is_checked_on_the_values_after_the_change(self, bootstrapped):
        assert catalogue.problems(lambda key: None, {"voting_min_seconds": 600}) == []
        assert catalogue.problems(lambda key: None, {"voting_min_seconds": 10**7}) == [
            "voting_min_seconds, voting_max_seconds: the minimum 10000000 would exceed the maximum 7776000 "
            "(a voting period's minimum is at most its maximum)"]


class TestWhoAmI:
    def test_reports_the_attributes_from_the_callers_certificate(self, ledger):
        assert ledger.result(ledger.evaluate(BJ_USER, "Registry:WhoAmI")) == {
            "msp_id": "BJMSP", "name": "alice", "role": "enterprise", "region": "BJ", "entity": "E-0042",
            "admin": False,
        }

    def test_reports_an_admin(self, ledger):
        who = ledger.result(ledger.evaluate(COORDINATOR_ADMIN, "Registry:WhoAmI"))
        assert who["admin"] is True
        assert who["role"] == ""


def test_the_chaincode_serves_the_registry():
    assert any(isinstance(contract, RegistryContract) for contract in all_contracts())
    functions = set(build_router().functions)
    assert {"Registry:Bootstrap", "Registry:Members", "Registry:Member", "Registry:Parameters",
            "Registry:WhoAmI"} <= functions
    assert "Registry:SetParameter" not in functions
