"""Enterprise contract on the in-memory ledger: registration, freezing, data permission."""

from __future__ import annotations

from test_permit_world import (
    BJ_POWER, BJ_STEEL, COORDINATOR, ENTERPRISE, HB_CEMENT, NO_ROLE, OUTSIDER, REGULATOR, UNREGISTERED,
    UNREGISTERED_ENTERPRISE,
)


class TestRegister:
    def test_a_regulator_registers_an_enterprise_of_its_region_and_an_event_is_emitted(self, empty_world):
        record = empty_world.ok(REGULATOR["BJ"], "Enterprise:Register", entity=BJ_STEEL, name="Beijing Steel",
                                region="BJ")

        assert record["entity"] == BJ_STEEL
        assert (record["region"], record["msp_id"], record["frozen"]) == ("BJ", "BJMSP", None)
        assert record["registered"]["by"] == {"msp_id": "BJMSP", "name": "bj-regulator", "role": "regulator"}
        assert empty_world.state_json(empty_world.key("enterprise", BJ_STEEL)) == record
        assert empty_world.ledger.events == [("EnterpriseRegistered", {
            "entity": BJ_STEEL, "name": "Beijing Steel", "region": "BJ", "tx_id": record["registered"]["tx_id"]})]

    def test_a_regulator_cannot_register_an_enterprise_of_another_region(self, empty_world):
        empty_world.refused(REGULATOR["HB"], "Enterprise:Register", "the regulator of region HB registers "
                            "enterprises of region HB only, not of region BJ", entity=BJ_STEEL, name="x", region="BJ")

    def test_registering_twice_is_refused(self, world):
        world.refused(REGULATOR["BJ"], "Enterprise:Register", f"enterprise {BJ_STEEL} is already registered in "
                      "region BJ", entity=BJ_STEEL, name="again", region="BJ")

    def test_an_invalid_credit_code_is_refused_with_the_reason(self, empty_world):
        bad = BJ_STEEL[:-1] + ("0" if BJ_STEEL[-1] != "0" else "1")
        empty_world.refused(REGULATOR["BJ"], "Enterprise:Register", "is not a valid unified social credit code: "
                            "the check character", entity=bad, name="x", region="BJ")

    def test_an_enterprise_cannot_register_itself(self, empty_world):
        empty_world.refused(UNREGISTERED_ENTERPRISE, "Enterprise:Register", "role 'regulator' is required for "
                            "Enterprise:Register", entity=UNREGISTERED, name="me", region="BJ")

    def test_an_empty_name_is_refused(self, empty_world):
        empty_world.refused(REGULATOR["BJ"], "Enterprise:Register", "name must be a non-empty string",
                            entity=BJ_STEEL, name=" ", region="BJ")


class TestFreeze:
    def test_the_regulator_of_its_region_freezes_and_unfreezes_an_enterprise(self, world):
        frozen = world.ok(REGULATOR["BJ"], "Enterprise:Freeze", entity=BJ_STEEL, reason="illegal discharge")
        assert frozen["frozen"]["reason"] == "illegal discharge"
        assert world.event_names() == ["EnterpriseFrozen"]

        thawed = world.ok(REGULATOR["BJ"], "Enterprise:Unfreeze", entity=BJ_STEEL, reason="rectified")
        assert thawed["frozen"] is None
        assert [entry["action"] for entry in thawed["log"]] == ["registered", "frozen", "unfrozen"]
        assert world.event_names() == ["EnterpriseFrozen", "EnterpriseUnfrozen"]

    def test_a_regulator_of_another_region_cannot_freeze(self, world):
        world.refused(REGULATOR["HB"], "Enterprise:Freeze", f"enterprise {BJ_STEEL} is not registered in region HB",
                      entity=BJ_STEEL, reason="x")

    def test_freezing_twice_and_unfreezing_a_free_enterprise_are_refused(self, world):
        world.ok(REGULATOR["BJ"], "Enterprise:Freeze", entity=BJ_STEEL, reason="audit")
        world.refused(REGULATOR["BJ"], "Enterprise:Freeze", "is already frozen (audit)", entity=BJ_STEEL, reason="y")
        world.refused(REGULATOR["BJ"], "Enterprise:Unfreeze", f"enterprise {BJ_POWER} is not frozen",
                      entity=BJ_POWER, reason="y")

    def test_freezing_an_unregistered_enterprise_names_it(self, world):
        world.refused(REGULATOR["BJ"], "Enterprise:Freeze", f"enterprise {UNREGISTERED} is not registered",
                      entity=UNREGISTERED, reason="x")


class TestQueries:
    def test_an_enterprise_sees_its_own_record_only(self, world):
        assert world.query(ENTERPRISE[BJ_STEEL], "Enterprise:Show", entity=BJ_STEEL)["entity"] == BJ_STEEL
        world.query_refused(ENTERPRISE[BJ_STEEL], "Enterprise:Show", f"enterprise {BJ_POWER} is outside the data "
                            "permission of bj-steel@BJMSP", entity=BJ_POWER)
        assert [r["entity"] for r in world.query(ENTERPRISE[BJ_STEEL], "Enterprise:List")] == [BJ_STEEL]

    def test_a_regulator_sees_its_region_and_the_coordinator_sees_all(self, world):
        assert {r["entity"] for r in world.query(REGULATOR["BJ"], "Enterprise:List")} == {BJ_STEEL, BJ_POWER}
        assert len(world.query(COORDINATOR, "Enterprise:List")) == 4
        assert [r["entity"] for r in world.query(COORDINATOR, "Enterprise:List", region="HB")] == [HB_CEMENT]
        world.query_refused(REGULATOR["HB"], "Enterprise:Show", "outside the data permission", entity=BJ_STEEL)

    def test_callers_without_a_role_or_membership_cannot_read(self, world):
        world.query_refused(NO_ROLE, "Enterprise:List", "role 'regulator' or 'enterprise' (or an identity of the "
                            "coordinator organization) is required for Enterprise:List; bj-clerk@BJMSP has no role")
        world.query_refused(OUTSIDER, "Enterprise:List", "organization SHMSP is not a registered consortium member")
        world.query_refused(UNREGISTERED_ENTERPRISE, "Enterprise:List", f"enterprise {UNREGISTERED} is not "
                            "registered")
