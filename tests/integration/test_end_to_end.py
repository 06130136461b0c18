"""Issue 5, end to end: a python-escpos till sends 1,000 receipts over TCP, the gateway passes them
to the printer and captures them, a real mosquitto carries them, the `listen` consumer gets each
e-receipt exactly once, and the printer got exactly the bytes the till sent."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import time

from gateway.app import Gateway
from gateway.samples.generator import make_sample
from tests.integration.gateway_rig import gateway_config, till_print, wait_for
from tests.integration.mqtt_rig import listener, stored

N = 1000


def test_a_thousand_receipts_from_till_to_consumer_exactly_once(mosquitto, tmp_path):
    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos names its barcode renderer
        sent = [make_sample(i).data for i in range(N)]
    cfg, port = gateway_config(tmp_path, mosquitto.url)
    lines: list[str] = []
    lis = listener(mosquitto.url, tmp_path / "listen.db", on_receipt=lines.append)
    gw = Gateway(cfg).start()
    t0 = time.monotonic()
    try:
        till_print(port, sent, per_connection=50)   # 20 connections of 50 receipts, one after another
        wait_for(lambda: lis.stored >= N, 60, f"{N} receipts at the consumer")
        wait_for(lambda: gw.outbox.depth == 0, 20, "the hub's acks for every receipt")
        elapsed = time.monotonic() - t0
    finally:
        gw.stop()
        lis.stop()
    got = sorted((json.loads(p) for _gw, _seq, p in stored(tmp_path / "listen.db").values()),
                 key=lambda e: e["sequence"])
    assert len(got) == N and lis.stored == N
    assert [e["sequence"] for e in got] == list(range(1, N + 1))
    # receipt k of the till is e-receipt k, once: same bytes hashed, in the till's order
    assert [e["source"]["raw_sha256"] for e in got] == [hashlib.sha256(d).hexdigest() for d in sent]
    assert len({e["receipt_id"] for e in got}) == N
    assert len([x for x in lines if " till-1 #" in x]) == N    # the consumer printed a line per receipt
    assert (tmp_path / "printer.bin").read_bytes() == b"".join(sent)
    assert gw.refused == 0 and gw.captured == N
    print(f"{N} receipts till -> consumer in {elapsed:.1f} s, {lis.duplicates} duplicates removed")
