"""`receipt-gateway hub` as a process: SIGKILLed mid-stream and restarted, nothing lost or stored twice;
scan requests answered through a real gateway client; clear errors for a bad database."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the hub extra is not installed: pip install -e '.[hub]'")

from gateway.hub.db import Store  # noqa: E402
from gateway.hub.scan import ScanResponder  # noqa: E402
from tests.integration.mqtt_rig import demo_config, gateway, settings, wait_for  # noqa: E402
from tests.mosquitto import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
CARD = "ab" * 32


def hub_config(tmp_path: Path, url: str) -> Path:
    cfg = tmp_path / "hub.toml"
    cfg.write_text(f"""
[mqtt]
url = "{url}"
[hub]
database = "sqlite:///data/hub.db"
listen = "127.0.0.1:{free_port()}"
gap_wait_s = 1
batch_wait_ms = 20
log_level = "warning"
""")
    return cfg


def hub_cli(cfg: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway", "hub", "--config", str(cfg)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def start_hub(cfg: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "hub", "--config", str(cfg)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("hub: database sqlite:///"), line + proc.stderr.read()
    return proc


def test_hub_killed_mid_stream_restarts_without_loss_or_duplication(mosquitto, tmp_path):
    hub_cfg, gw_cfg = hub_config(tmp_path, mosquitto.url), demo_config(tmp_path, mosquitto.url)
    total = 600
    hub = start_hub(hub_cfg)
    gw = subprocess.Popen([sys.executable, "-m", "gateway.mqtt.demo", "--config", str(gw_cfg), "--total", str(total),
                           "--rate", "300", "--drain-timeout", "60"], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
    captured: dict[str, int] = {}

    def read():
        for line in gw.stdout:
            parts = line.split()
            if parts[:1] == ["captured"]:
                captured[parts[2]] = int(parts[1])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        wait_for(lambda: len(captured) >= total // 3, 30, "the gateway to be mid-stream")
        workers = children(hub.pid)
        assert len(workers) >= 2, "the ingest consumers run in their own processes"
        hub.send_signal(signal.SIGKILL)
        hub.wait(5)
        wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), 10,
                 "the ingest workers to exit with the killed hub")
        hub.stdout.close()
        hub.stderr.close()
        time.sleep(1.0)                                       # receipts keep coming while the hub is down
        hub = start_hub(hub_cfg)
        assert gw.wait(90) == 0, "the gateway's outbox did not drain: the restarted hub did not ack everything"
        reader.join(5)
        hub.send_signal(signal.SIGTERM)
        out, err = hub.communicate(timeout=20)
        assert hub.returncode == 0 and "hub stopped:" in out, out + err
        assert "Traceback" not in err, err
    finally:
        for p in (gw, hub):
            if p.poll() is None:
                p.kill()
                p.wait(5)
    store = Store("sqlite:///data/hub.db", base_dir=tmp_path)
    try:
        assert len(captured) == total
        assert store.receipt_count() == total
        seqs = sorted(store.receipt(rid)["sequence"] for rid in captured)
        assert seqs == list(range(1, total + 1)), "a receipt is missing or stored twice"
        assert store.gateway("gw-kill")["missing"] == [] and store.gateway("gw-kill")["lost"] == []
    finally:
        store.close()


def test_scan_answers_through_a_gateway_client(mosquitto, tmp_path):
    store = Store("sqlite:///hub.db", base_dir=tmp_path)
    store.migrate()
    acc = store.create_account("ann@example.org", card_hmac=CARD, mode="none", locale="nl", greeting_name="Ann")
    store.add_entry(acc, "bonus", 120, "welcome")
    scan = ScanResponder(settings(mosquitto.url), store, unknown_mode="paper", reconnect_max_s=1.0)
    scan.start()
    gw = gateway(mosquitto.url, tmp_path / "gw")
    try:
        wait_for(lambda: scan.connected and gw.connected, 10, "both connected")
        time.sleep(0.2)
        ask = gw.topics.scan("till-1")
        assert gw.request(ask, {"card": {"hmac": CARD, "key_id": "k1"}}, timeout=5) == {
            "mode": "none", "greeting": "Hallo Ann", "points_balance": 120,
            "points_rules": {"points_per_euro": "1", "categories": [], "excluded_categories": [], "campaigns": []}}
        assert gw.request(ask, {"card": {"hmac": "0" * 64, "key_id": "k1"}}, timeout=5) == {
            "mode": "paper", "greeting": None, "points_balance": None}
        assert gw.request(ask, {"card": "4111111111111111"}, timeout=5)["mode"] == "paper"
        store.set_mode(acc, "qr")
        assert gw.request(ask, {"card": {"hmac": CARD, "key_id": "k1"}}, timeout=5)["mode"] == "qr"
        assert scan.stats()["answered"] == 4 and scan.stats()["p99_ms"] < 1000
    finally:
        gw.stop()
        scan.stop()
        store.close()


def test_a_database_that_cannot_be_reached_is_a_clear_error(tmp_path):
    cfg = tmp_path / "hub.toml"
    cfg.write_text(f"""
[mqtt]
url = "mqtt://127.0.0.1:{free_port()}"
[hub]
database = "postgresql://nobody@127.0.0.1:{free_port()}/hub"
""")
    proc = hub_cli(cfg)
    assert proc.returncode == 2
    assert "cannot open the database postgresql://nobody@127.0.0.1" in proc.stderr and "fix: check [hub] database" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_config_mistakes_name_the_key(tmp_path):
    cfg = tmp_path / "hub.toml"
    cfg.write_text('[mqtt]\n[hub]\ndatabase = "mysql://x"\n[loyalty_rules]\nexcluded_categories = ["tobacco"]\n')
    proc = hub_cli(cfg)
    assert proc.returncode == 2 and "hub.toml:3: [hub] database:" in proc.stderr, proc.stderr
    cfg.write_text('[mqtt]\n[hub]\n[loyalty_rules]\nexcluded_categories = ["tobacco"]\n')
    proc = hub_cli(cfg)
    assert "[loyalty_rules] excluded_categories: category 'tobacco' is not defined" in proc.stderr, proc.stderr
