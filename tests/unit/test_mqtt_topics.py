"""Topic tree, broker settings and backoff (pure parts of gateway.mqtt)."""

from __future__ import annotations

import random

import pytest

from gateway.config import ConfigError
from gateway.mqtt.broker import Backoff, BrokerSettings
from gateway.mqtt.topics import Topics, parse, receipt_filter


def test_topic_tree_of_the_design():
    t = Topics("receipts/v1", "store-042", "gw-0001")
    assert t.receipt("till-1") == "receipts/v1/store-042/gw-0001/receipt/till-1"
    assert t.state == "receipts/v1/store-042/gw-0001/state"
    assert t.health == "receipts/v1/store-042/gw-0001/health"
    assert t.printer_status("till-1") == "receipts/v1/store-042/gw-0001/printer/till-1/status"
    assert t.scan("till-1") == "receipts/v1/store-042/gw-0001/scan/till-1"
    assert t.cmd("resend") == "receipts/v1/store-042/gw-0001/cmd/resend"
    assert t.ack == "receipts/v1/store-042/gw-0001/ack"
    assert receipt_filter("receipts/v1", "hub") == "$share/hub/receipts/v1/+/+/receipt/+"
    p = parse("receipts/v1", t.receipt("till-1"))
    assert (p.store_id, p.gateway_id, p.kind, p.rest) == ("store-042", "gw-0001", "receipt", ("till-1",))
    assert parse("receipts/v1", "other/x/y/z") is None


@pytest.mark.parametrize("bad", ["a/b", "a+b", "#", "", "has space"])
def test_ids_that_would_break_the_tree_are_refused(bad):
    with pytest.raises(ValueError, match="topic level"):
        Topics("receipts/v1", "store", "gw").receipt(bad)


def test_broker_url_and_tls_settings(tmp_path):
    s = BrokerSettings.from_section({"url": "mqtts://broker.example.com"})
    assert (s.host, s.port, s.tls) == ("broker.example.com", 8883, True)
    assert BrokerSettings.from_section({"url": "mqtt://[::1]:1999"}).host == "::1"
    with pytest.raises(ConfigError, match="needs TLS"):
        crt = tmp_path / "c.pem"
        crt.write_text("x")
        BrokerSettings.from_section({"url": "mqtt://h", "cert_file": str(crt), "key_file": str(crt)})
    with pytest.raises(ConfigError, match="no such file"):
        BrokerSettings.from_section({"url": "mqtts://h", "ca_file": str(tmp_path / "missing.pem")})


def test_backoff_grows_and_is_jittered():
    delays = []
    for seed in range(200):
        b = Backoff(0.5, 60, rng=random.Random(seed))
        delays.append([b.next_delay() for _ in range(10)])
    assert all(d <= 60 for row in delays for d in row)
    tenth = sorted(row[9] for row in delays)
    assert tenth[-1] - tenth[0] > 30, "thousands of gateways must not reconnect in step"
    assert max(row[0] for row in delays) <= 0.5
