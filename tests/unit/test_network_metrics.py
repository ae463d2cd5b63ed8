"""Reducing nodes' Prometheus samples to the ten figures of ``network metrics``."""

from network.metrics import lines, parse, summarize

PEER_A = """# HELP ledger_blockchain_height Height of the chain in blocks.
# TYPE ledger_blockchain_height gauge
ledger_blockchain_height{channel="ecoledger"} 12
ledger_blockchain_height{channel="bj-tj"} 4
ledger_transaction_count{chaincode="ecoledger:1",channel="ecoledger",transaction_type="ENDORSER_TRANSACTION",validation_code="VALID"} 9
ledger_transaction_count{chaincode="ecoledger:1",channel="ecoledger",transaction_type="ENDORSER_TRANSACTION",validation_code="MVCC_READ_CONFLICT"} 1
endorser_proposal_duration_sum{chaincode="ecoledger",channel="ecoledger",success="true"} 0.5
endorser_proposal_duration_count{chaincode="ecoledger",channel="ecoledger",success="true"} 5
endorser_endorsement_failures{chaincode="ecoledger",channel="ecoledger",chaincodeerror="true"} 2
ledger_block_processing_time_sum{channel="ecoledger"} 1.2
ledger_block_processing_time_count{channel="ecoledger"} 12
"""
PEER_B = 'ledger_blockchain_height{channel="ecoledger"} 10\nnot a sample\n'
ORDERER = """broadcast_processed_count{channel="ecoledger",status="SUCCESS",type="ENDORSER_TRANSACTION"} 10
broadcast_processed_count{channel="ecoledger",status="BAD_REQUEST",type="ENDORSER_TRANSACTION"} 1
consensus_smartbft_consensus_leader_id{channel="ecoledger"} 1
consensus_smartbft_viewchange_current_view{channel="ecoledger"} 2
participation_status{channel="ecoledger"} 1
cluster_comm_msg_dropped_count{channel="ecoledger",host="x"} 3
"""


def test_parse_reads_names_labels_and_values_and_skips_the_rest():
    samples = parse(PEER_A)
    assert samples[0] == ("ledger_blockchain_height", {"channel": "ecoledger"}, 12.0)
    assert len(parse(PEER_B)) == 1


def test_summary_has_the_ten_figures():
    s = summarize({"peer0.bj": ("peer", parse(PEER_A)), "peer0.tj": ("peer", parse(PEER_B)),
                   "orderer.bj": ("orderer", parse(ORDERER)), "orderer.tj": ("orderer", None)})
    assert s["heights"]["ecoledger"] == {"peers": {"peer0.bj": 12, "peer0.tj": 10}, "max": 12, "lag": {"peer0.tj": 2}}
    assert s["transactions_by_validation_code"] == {"MVCC_READ_CONFLICT": 1, "VALID": 9}
    assert s["endorsement_duration"] == {"count": 5, "mean_seconds": 0.1}
    assert s["endorsement_failures"] == {"endorsement_failures": 2}
    assert s["block_processing_time"] == {"count": 12, "mean_seconds": 0.1}
    assert s["broadcast_status"] == {"BAD_REQUEST": 1, "SUCCESS": 10}
    assert s["bft_leader"] == {"ecoledger": [1]} and s["bft_view_changes"] == {"ecoledger": 2}
    assert s["participation_status"] == {"ecoledger": {"orderer.bj": "active"}}
    assert s["dropped_cluster_messages"] == {"ecoledger": 3}
    assert s["unreachable"] == ["orderer.tj"]
    rows = dict(lines(s))
    assert len(rows) == 10 and rows["lag"] == "ecoledger/peer0.tj=2"
