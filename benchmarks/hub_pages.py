"""Hub web pages under load: latency p50/p99 with N concurrent clients (target p99 < 50 ms).

    python3 benchmarks/hub_pages.py --clients 8 --duration 10

The hub's web app runs under uvicorn in its own process (one worker, as `receipt-gateway hub`
runs it) on a SQLite store of --accounts accounts x --per-account receipts (python-escpos
sample receipts, decoded and extracted like a gateway does). Each of the N clients (asyncio +
httpx, keep-alive, in this process) is a signed-in customer (the emailed-link flow) who loops
over: the receipt page the QR opens, the history, a history search, the points page, and
the ERP API's receipt list. Prints requests/s and p50/p99/max per page and over all.
The PNG/PDF downloads are measured apart (--downloads): they draw a picture of the paper.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

API_KEY = "bench-key-0123456789abcdef0123456789abcdef"


def build(data: Path, accounts: int, per_account: int) -> dict:
    """The store: accounts with their cards and receipts; returns what the clients need."""
    from ulid import ULID

    from gateway.hub.auth import card_hmac
    from gateway.hub.db import Store
    from gateway.receipt.ereceipt import new_access_token
    from tests.unit.hub.web_support import CARD_KEY, sample_ereceipt, store_receipts

    base = [sample_ereceipt(seed, lang="en") for seed in range(1, 41)]
    store = Store("sqlite:///hub.db", base_dir=data)
    store.migrate()
    plan = {"accounts": []}
    seq = 0
    for a in range(accounts):
        number = f"26001{a:08d}"
        account = store.create_account(f"customer{a}@example.com", card_hmac=card_hmac(CARD_KEY, number))
        docs = []
        for i in range(per_account):
            seq += 1
            d = copy.deepcopy(base[(a + i) % len(base)])
            d.update(receipt_id=str(ULID()), access_token=new_access_token(), sequence=seq,
                     issued_at=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T12:00:00+01:00")
            d["loyalty"] = {"card": {"hmac": card_hmac(CARD_KEY, number), "key_id": "k1"},
                            "points_earned": None, "points_balance": None}
            docs.append(d)
        store_receipts(store, docs)
        plan["accounts"].append({"account_id": account, "email": f"customer{a}@example.com",
                                 "tokens": [d["access_token"] for d in docs[:10]],
                                 "search": docs[0]["lines"][0]["description"].split()[0]})
    store.close()
    (data / "secret").write_text("bench-secret\n")
    (data / "secret").chmod(0o600)   # the hub refuses a secret others can read
    (data / "api.keys").write_text(f"bench {API_KEY}\n")
    (data / "hub.toml").write_text(
        '[mqtt]\nurl = "mqtt://127.0.0.1:1883"\n[hub]\ndatabase = "sqlite:///hub.db"\n'
        'secret_file = "secret"\nmail_dir = "mail"\napi_keys_file = "api.keys"\n')
    return plan


def bench_app():
    """The web app as the hub runs it, with the rate limits raised (one address is every client)."""
    from gateway.hub import ratelimit

    ratelimit.RULES.update({rule: (10**9, window) for rule, (_, window) in ratelimit.RULES.items()})
    from gateway.hub.web import app_from_env

    return app_from_env()


def serve(data: Path, port: int, workers: int) -> None:
    """The server process(es): uvicorn, one process as `receipt-gateway hub` runs it, or --workers."""
    import uvicorn

    os.environ["RG_HUB_CONFIG"] = str(data / "hub.toml")
    uvicorn.run("benchmarks.hub_pages:bench_app", factory=True, host="127.0.0.1", port=port,
                log_level="warning", access_log=False, lifespan="off", workers=workers)


async def sign_in(client, base: str, data: Path, address: str) -> None:
    from email import message_from_bytes, policy

    page = await client.get(f"{base}/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = await client.post(f"{base}/signin/email", data={"csrf": csrf, "email": address, "next": "/account"})
    if "a link is on its way" not in r.text:
        raise RuntimeError(f"sign-in for {address}: HTTP {r.status_code}")
    mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted((data / "mail").glob("*.eml"))]
    body = [m for m in mails if m["To"] == address][-1].get_content()
    token = re.search(r"/signin/link/([A-Za-z0-9_-]+)", body).group(1)
    r = await client.post(f"{base}/signin/link", data={"csrf": csrf, "token": token, "next": "/account"})
    assert r.status_code == 200 and "My receipts" in r.text, r.status_code


async def customer(n: int, base: str, data: Path, plan: dict, warm: float, until: float, results: dict,
                   downloads: bool):
    """One signed-in customer browsing until `until`; times are kept from `warm` on."""
    import httpx

    me = plan["accounts"][n % len(plan["accounts"])]
    pages = [("receipt", "/r/{token}"), ("history", "/account"),
             ("search", f"/account?q={me['search']}"), ("points", "/account/points"),
             ("api", f"/api/v1/customers/{me['account_id']}/receipts?limit=20")]
    if downloads:
        pages = [("png", "/r/{token}/receipt.png"), ("pdf", "/r/{token}/receipt.pdf")]
    async with httpx.AsyncClient(follow_redirects=True, timeout=30) as client:
        await sign_in(client, base, data, me["email"])
        i = 0
        while (now := time.monotonic()) < until:
            name, path = pages[i % len(pages)]
            path = path.replace("{token}", me["tokens"][i % len(me["tokens"])])
            headers = {"authorization": f"Bearer {API_KEY}"} if name == "api" else {}
            t0 = time.perf_counter()
            r = await client.get(base + path, headers=headers)
            dt = time.perf_counter() - t0
            if r.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {r.status_code}")
            if now >= warm:
                results.setdefault(name, []).append(dt)
            i += 1


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its children (uvicorn's workers), Linux /proc."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000


async def load(base: str, data: Path, plan: dict, clients: int, duration: float, downloads: bool,
               server_pid: int) -> dict:
    results: dict[str, list[float]] = {}
    warm = time.monotonic() + 3.0  # sign-in and the first pages are not counted
    until = warm + duration
    cpu: list[float] = []

    async def meter():
        await asyncio.sleep(max(0.0, warm - time.monotonic()))
        cpu.append(cpu_seconds(server_pid))
        await asyncio.sleep(max(0.0, until - time.monotonic()))
        cpu.append(cpu_seconds(server_pid))

    await asyncio.gather(meter(), *(customer(n, base, data, plan, warm, until, results, downloads)
                                    for n in range(clients)))
    results["_elapsed"] = [duration]
    results["_cpu"] = [cpu[1] - cpu[0]]
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--per-account", type=int, default=60)
    ap.add_argument("--downloads", action="store_true", help="measure the PNG and PDF downloads instead")
    ap.add_argument("--workers", type=int, default=1, help="web processes (uvicorn --workers)")
    ap.add_argument("--serve", nargs=3, metavar=("DIR", "PORT", "WORKERS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]), int(args.serve[2]))
        return 0
    from tests.webserver import free_port

    data = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    t = time.perf_counter()
    plan = build(data, args.accounts, args.per_account)
    print(f"store: {args.accounts} accounts x {args.per_account} receipts = {args.accounts * args.per_account} "
          f"receipts (built in {time.perf_counter() - t:.1f} s)")
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(data), str(port), str(args.workers)],
                              cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        import httpx

        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(base + "/signin", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        results = asyncio.run(load(base, data, plan, args.clients, args.duration, args.downloads, server.pid))
    finally:
        server.terminate()
        server.wait(10)
    elapsed = results.pop("_elapsed")[0]
    cpu = results.pop("_cpu")[0]
    every = [v for vs in results.values() for v in vs]
    print(f"{args.workers} web process(es), {args.clients} concurrent clients, {elapsed:.1f} s: {len(every)} requests, "
          f"{len(every) / elapsed:.0f} req/s; server CPU {cpu / max(1, len(every)) * 1000:.1f} ms a request "
          f"({cpu / elapsed * 100:.0f} % of a core); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'page':10} {'count':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, vs in sorted(results.items()) + [("all", every)]:
        print(f"{name:10} {len(vs):6d} {statistics.median(vs) * 1000:8.1f} {pct(vs, 99):8.1f} {max(vs) * 1000:8.1f}")
    print(json.dumps({"p99_ms": round(pct(every, 99), 1), "req_per_s": round(len(every) / elapsed),
                      "cpu_ms_per_request": round(cpu / max(1, len(every)) * 1000, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
