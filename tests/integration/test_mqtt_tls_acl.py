"""hardware/mosquitto/receipts.conf + receipts.acl on a real mosquitto with a throwaway CA."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from gateway.mqtt.broker import BrokerSettings, make_client
from gateway.mqtt.client import GatewayClient
from gateway.mqtt.listen import Listener
from gateway.mqtt.outbox import Outbox
from gateway.mqtt.topics import Topics
from tests.integration.mqtt_rig import receipt, wait_for
from tests.mosquitto import free_port

pytest.importorskip("cryptography", reason="the cryptography package makes the throwaway CA")
from tests.certs import ThrowawayCA  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[2] / "hardware" / "mosquitto"


@pytest.fixture
def tls_broker(mosquitto_factory, tmp_path):
    ca = ThrowawayCA(tmp_path / "certs")
    ca.issue("server", server=True)
    for cn in ("gw-1", "gw-2", "hub"):
        ca.issue(cn)
    shutil.copy(EXAMPLE / "receipts.acl", tmp_path / "receipts.acl")
    port = free_port()
    conf = ((EXAMPLE / "receipts.conf").read_text()
            .replace("listener 8883", f"listener {port} 127.0.0.1")
            .replace("/etc/mosquitto/certs/", f"{tmp_path / 'certs'}/")
            .replace("/etc/mosquitto/receipts.acl", str(tmp_path / "receipts.acl"))
            .replace("/var/lib/mosquitto/", f"{tmp_path}/"))
    broker = mosquitto_factory(port=port, conf_text=conf).start()
    return broker, ca


def tls_settings(ca: ThrowawayCA, port: int, cn: str | None) -> BrokerSettings:
    section = {"url": f"mqtts://127.0.0.1:{port}", "ca_file": str(ca.crt), "keepalive_s": 5}
    if cn:
        section |= {"cert_file": str(ca.dir / f"{cn}.crt"), "key_file": str(ca.dir / f"{cn}.key")}
    return BrokerSettings.from_section(section)


def test_tls_client_certificates_and_acl(tls_broker, tmp_path):
    broker, ca = tls_broker
    hub = Listener(tls_settings(ca, broker.port, "hub"), tmp_path / "hub.db", client_id="hub", gap_wait_s=2)
    hub.start()
    own = GatewayClient(tls_settings(ca, broker.port, "gw-1"), Topics("receipts/v1", "store-1", "gw-1"),
                        Outbox(tmp_path / "gw1"), client_id="gw-1")
    # gw-1's certificate, but writing below gw-2's id: the ACL must refuse every receipt
    impostor = GatewayClient(tls_settings(ca, broker.port, "gw-1"), Topics("receipts/v1", "store-1", "gw-2"),
                             Outbox(tmp_path / "imp", republish_after_s=1), client_id="gw-1-impostor")
    own.start()
    impostor.start()
    try:
        for n in range(20):
            own.submit(receipt(n), "till-1")
            impostor.submit(receipt(n, gw="gw-2"), "till-1")
        assert own.wait_drained(20), own.status()
        wait_for(lambda: impostor.refusals >= 20, 10, "the broker refusing gw-1's writes below gw-2")
        assert "Not authorized" in impostor.status()["last_error"]
        assert impostor.outbox.depth == 20 and impostor.outbox.stats()["published"] == 0  # still pending
        time.sleep(0.5)
        gateways = {json.loads(row)["source"]["gateway_id"] for row in _payloads(tmp_path / "hub.db")}
        assert gateways == {"gw-1"} and hub.stored == 20
    finally:
        own.stop()
        impostor.stop()
        hub.stop()


def test_tls_without_client_certificate_is_rejected(tls_broker):
    broker, ca = tls_broker
    client = make_client(tls_settings(ca, broker.port, None), "nocert")
    with pytest.raises(OSError):   # the handshake fails: require_certificate true
        client.connect("127.0.0.1", broker.port)
        for _ in range(20):
            if client.loop(0.1) != 0:
                raise OSError("connection closed")


def _payloads(db: Path) -> list[bytes]:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute("SELECT payload FROM receipts")]
    finally:
        con.close()
