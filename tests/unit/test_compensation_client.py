"""The compensation client: values and agreement files kept exact, and finding an agreement's channel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from client.cli.main import cli
from client.compensation.service import (CompensationClient, CompensationError, load_terms, pair_channel,
                                         pair_channels, parse_values)
from network import config

CONSORTIUM = config.load("jingjinji")


def test_values_are_kept_as_written():
    assert parse_values("CODMn=3.10, NH3-N=0.42,TN=1.1,TP=0.05") == {
        "CODMn": "3.10", "NH3-N": "0.42", "TN": "1.1", "TP": "0.05"}


@pytest.mark.parametrize("text, message", [
    ("CODMn=3.1,CODMn=3.2", "CODMn is given twice"),
    ("CODMn:3.1", "is not POLLUTANT=DECIMAL"),
    ("TP=-0.1", "is not POLLUTANT=DECIMAL"),
    ("TP=1e-3", "is not POLLUTANT=DECIMAL"),
    ("", "at least one"),
])
def test_bad_values_are_refused_before_sending(text, message):
    with pytest.raises(CompensationError, match=message):
        parse_values(text)


def test_an_agreement_file_keeps_every_number_as_text(tmp_path: Path):
    path = tmp_path / "agreement.yaml"
    path.write_text("k0: 0.85\nperiod: month\ntolerance: 0.10\narbiter: coordinator\ndue_days: 14\n"
                    "pollutants:\n  CODMn: 4\n  NH3-N: {baseline: 0.5, weight: 0.25}\n"
                    "  TN: 1.20\n  TP: 0.1\n"
                    "amounts: {downstream_pays: 100_000_000, upstream_pays: '60,000,000'}\n", encoding="utf-8")
    assert load_terms(path) == {
        "k0": "0.85", "period": "month", "tolerance": "0.10", "arbiter": "coordinator", "due_days": 14,
        "pollutants": [{"code": "CODMn", "baseline": "4"}, {"code": "NH3-N", "baseline": "0.5", "weight": "0.25"},
                       {"code": "TN", "baseline": "1.20"}, {"code": "TP", "baseline": "0.1"}],
        "amounts": {"downstream_pays": 100_000_000, "upstream_pays": 60_000_000}}


def test_an_agreement_file_with_unknown_fields_or_fractional_yuan_is_refused(tmp_path: Path):
    path = tmp_path / "agreement.yaml"
    path.write_text("colour: green\n", encoding="utf-8")
    with pytest.raises(CompensationError, match="unknown field"):
        load_terms(path)
    path.write_text("amounts: {downstream_pays: 1.5, upstream_pays: 1}\n", encoding="utf-8")
    with pytest.raises(CompensationError, match="whole number of yuan"):
        load_terms(path)


def test_pair_channels_come_from_the_consortium():
    assert pair_channels(CONSORTIUM.channels, "BJMSP") == ["bj-tj", "bj-hb"]
    assert pair_channels(CONSORTIUM.channels, "COMSP") == []
    assert pair_channel(CONSORTIUM.channels, "HB", "BJ") == "bj-hb"
    with pytest.raises(CompensationError, match="no pair channel of BJ and CO"):
        pair_channel(CONSORTIUM.channels, "BJ", "CO")


class Refusal(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.chaincode_message = message


class FakeContract:
    def __init__(self, channel: str, holds: set[str], calls: list[Any]) -> None:
        self.channel, self.holds, self.calls = channel, holds, calls

    def evaluate(self, function: str, args: dict[str, Any]) -> Any:
        self.calls.append((self.channel, function, args))
        object_id = next(iter(args.values()))
        if object_id not in self.holds:
            raise Refusal(f"compensation agreement {object_id} does not exist")
        return {"id": object_id}


def test_an_agreement_is_found_on_the_pair_channel_that_holds_it():
    calls: list[Any] = []
    holds = {"bj-tj": set(), "bj-hb": {"CA-1"}}
    client = CompensationClient(lambda channel: FakeContract(channel, holds[channel], calls), ["bj-tj", "bj-hb"])
    assert client.locate("agreement", "CA-1") == "bj-hb"
    assert [c[:2] for c in calls] == [("bj-tj", "Compensation:Show"), ("bj-hb", "Compensation:Show")]
    assert client.locate("settlement", "CS-1", "bj-hb") == "bj-hb"  # a named channel is taken as given
    with pytest.raises(CompensationError, match="CA-2 is on none of the channels of your organization"):
        client.locate("agreement", "CA-2")


def test_a_refusal_other_than_not_found_is_not_hidden():
    def contract(channel: str) -> Any:
        class Denied:
            def evaluate(self, function: str, args: Any) -> Any:
                raise Refusal("outside the data permission")
        return Denied()

    with pytest.raises(Refusal, match="outside the data permission"):
        CompensationClient(contract, ["bj-tj"]).locate("agreement", "CA-1")


def test_confirm_needs_paid_or_received_and_regional_one_step(tmp_path: Path):
    env = {"ECOLEDGER_HOME": str(tmp_path), "ECOLEDGER_IDENTITY": ""}
    result = CliRunner().invoke(cli, ["compensation", "confirm", "CS-1"], env=env)
    assert result.exit_code == 1 and "say what to confirm: --paid (payer) or --received (payee)" in result.stderr
    result = CliRunner().invoke(cli, ["compensation", "regional", "--period", "2025", "--pollutant", "COD",
                                      "--value", "1", "--settle"], env=env)
    assert result.exit_code == 1 and "two steps by two parties" in result.stderr
    result = CliRunner().invoke(cli, ["compensation", "submit", "CA-1", "--period", "2025-05", "--values", "TP:1"],
                                env=env)
    assert result.exit_code == 1 and "is not POLLUTANT=DECIMAL" in result.stderr
