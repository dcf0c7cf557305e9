"""How ``/health`` reads a Redis Cluster from its nodes' answers (``store_health.cluster_verdict``)."""

from __future__ import annotations

from consumers.store_health import cluster_verdict
from consumers.web import Check

OK = Check(True, "cluster_state ok")
FAIL = Check(False, "cluster_state fail: 10923 of 16384 slots served")
GONE = Check(False, "CLUSTER INFO failed: ConnectionError: Error 111 connecting to 127.0.0.1:7000.")


def test_one_node_finding_every_slot_served_is_enough() -> None:
    assert cluster_verdict([GONE, OK, OK]) == Check(True, "cluster_state ok (2 of 3 nodes)")


def test_without_one_the_first_node_s_account_of_the_cluster_is_the_detail() -> None:
    assert cluster_verdict([GONE, FAIL, FAIL]) == FAIL


def test_when_no_node_answers_the_first_error_is_the_detail() -> None:
    verdict = cluster_verdict([GONE, GONE])
    assert not verdict.ok and verdict.detail == f"no node of 2 answered: {GONE.detail}"


def test_a_client_that_knows_no_node_is_not_healthy() -> None:
    assert not cluster_verdict([]).ok
