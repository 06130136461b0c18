"""Ingest consumers in their own processes (`[hub] ingest_processes = true`, the default).

Parsing, checking and storing receipts is CPU work under Python's GIL; in its own process each
consumer gets a core, and the scan responder and the web pages in the main process are not
slowed by it. An `IngestProcess` looks like an `Ingest` to the service (start, stop, stats).

A worker exits with its parent: Linux delivers SIGTERM to it when the hub process dies (even by
SIGKILL), and it also notices its parent is gone within a second. On SIGTERM it commits and acks
what it holds, then exits; whatever it had not committed was not acked and comes back.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing as mp
import os
import queue
import signal
import sys
import threading

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except OSError:
            pass


def _worker(cfg, index: int, gap_check: bool, parent: int, results) -> None:
    """Child process: one Ingest consumer on its own Store until SIGTERM or the parent is gone."""
    _die_with_parent()
    from gateway.hub.service import ingest_consumer, open_store

    logging.basicConfig(level=cfg["hub"]["log_level"].upper(), stream=sys.stderr,
                        format=f"%(asctime)s %(levelname)s %(name)s[ingest-{index + 1}]: %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    store = open_store(cfg)
    consumer = ingest_consumer(cfg, store, index, gap_check)
    consumer.start()
    while not stop.wait(0.5):
        if os.getppid() != parent:
            break
    consumer.stop()
    store.close()
    results.put((index, consumer.stats()))


class IngestProcess:
    """One ingest consumer in a child process (spawned, so no threads or connections are forked)."""

    _ctx = mp.get_context("spawn")

    def __init__(self, cfg, index: int, gap_check: bool):
        self.cfg, self.index, self.gap_check = cfg, index, gap_check
        self._results = self._ctx.Queue()
        self._proc = None
        self._stats: dict = {"received": 0, "stored": 0, "duplicates": 0, "rejected": 0, "batches": 0,
                             "resend_requests": 0, "connected": False, "last_error": ""}

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        self._proc = self._ctx.Process(target=_worker, name=f"hub-ingest-{self.index + 1}", daemon=True,
                                       args=(self.cfg, self.index, self.gap_check, os.getpid(), self._results))
        self._proc.start()

    def stop(self, timeout: float = 10.0) -> None:
        if self._proc is None:
            return
        if self._proc.is_alive():
            self._proc.terminate()              # SIGTERM: commit, ack, report, exit
        try:
            _, self._stats = self._results.get(timeout=timeout)
        except queue.Empty:
            log.warning("ingest worker %d did not report its figures", self.index + 1)
        self._proc.join(timeout)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(2)

    @property
    def connected(self) -> bool:
        return bool(self._proc and self._proc.is_alive())

    def stats(self) -> dict:
        return dict(self._stats, connected=self.connected)
