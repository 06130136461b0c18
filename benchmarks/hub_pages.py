"""Hub web pages under load: latency p50/p99/max per page with N concurrent clients (target p99 < 50 ms).

    python3 benchmarks/hub_pages.py --clients 8 --duration 10 [--workers 2]

The hub's web app runs under uvicorn in its own process (one worker, as `receipt-gateway hub`
runs it, or --workers) on a SQLite store of --accounts accounts x --per-account receipts
(python-escpos sample receipts, decoded and extracted like a gateway does). The load comes from
wrk (C, epoll, one thread; Debian's `wrk` package), so the figures are the server's, not a Python
client's: N keep-alive connections, each sending its next request as soon as the last one is
answered. httpx only signs the customers in (the emailed-link flow) for their session cookies.

Runs: each page alone (the receipt page the QR opens, the history, a history search, the points
page, the ERP API's receipt list), then all five mixed, --duration seconds each. Per run: requests/s,
p50/p99/max latency (wrk --latency), answers other than 200 and socket errors (any makes the
benchmark fail), and the server's CPU per request (user + system of the server processes, /proc).
The PNG/PDF downloads are measured apart (--downloads): they draw a picture of the paper.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

API_KEY = "bench-key-0123456789abcdef0123456789abcdef"
LUA = Path(__file__).with_name("hub_pages.lua")


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


def serve(data: Path, port: int, workers: int, http: str, loop: str) -> None:
    """The server process(es): uvicorn, one process as `receipt-gateway hub` runs it, or --workers."""
    import uvicorn

    os.environ["RG_HUB_CONFIG"] = str(data / "hub.toml")
    uvicorn.run("benchmarks.hub_pages:bench_app", factory=True, host="127.0.0.1", port=port,
                log_level="warning", access_log=False, lifespan="off", workers=workers, http=http, loop=loop)


def sign_in(base: str, data: Path, address: str) -> str:
    """The emailed-link sign-in with httpx; the session cookie header it ends with."""
    from email import message_from_bytes, policy

    import httpx

    with httpx.Client(follow_redirects=True, timeout=30) as client:
        page = client.get(f"{base}/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        r = client.post(f"{base}/signin/email", data={"csrf": csrf, "email": address, "next": "/account"})
        if "a link is on its way" not in r.text:
            raise RuntimeError(f"sign-in for {address}: HTTP {r.status_code}")
        mails = [message_from_bytes(p.read_bytes(), policy=policy.default)
                 for p in sorted((data / "mail").glob("*.eml"))]
        body = [m for m in mails if m["To"] == address][-1].get_content()
        token = re.search(r"/signin/link/([A-Za-z0-9_-]+)", body).group(1)
        r = client.post(f"{base}/signin/link", data={"csrf": csrf, "token": token, "next": "/account"})
        if r.status_code != 200 or "My receipts" not in r.text:
            raise RuntimeError(f"sign-in link for {address}: HTTP {r.status_code}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def request_lines(base: str, data: Path, plan: dict, clients: int, downloads: bool) -> dict[str, list[str]]:
    """{page: [PATH\tCOOKIE\tAUTHORIZATION, ...]}: one signed-in customer per client, 10 receipts each."""
    pages = {"receipt": "/r/{token}", "history": "/account", "search": "/account?q={search}",
             "points": "/account/points", "api": "/api/v1/customers/{account_id}/receipts?limit=20"}
    if downloads:
        pages = {"png": "/r/{token}/receipt.png", "pdf": "/r/{token}/receipt.pdf"}
    out: dict[str, list[str]] = {name: [] for name in pages}
    for n in range(clients):
        me = plan["accounts"][n % len(plan["accounts"])]
        cookie = sign_in(base, data, me["email"])
        for name, path in pages.items():
            auth = f"Bearer {API_KEY}" if name == "api" else ""
            for token in me["tokens"]:
                target = path.format(token=token, search=me["search"], account_id=me["account_id"])
                out[name].append(f"{target}\t{'' if name == 'api' else cookie}\t{auth}")
    return out


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


def wrk(wrk_bin: str, base: str, lines: list[str], clients: int, threads: int, duration: float,
        server_pid: int, workdir: Path) -> dict:
    """One wrk run over `lines`; its summary with the server's CPU time."""
    reqs = workdir / "requests.tsv"
    reqs.write_text("\n".join(lines) + "\n")
    cpu0 = cpu_seconds(server_pid)
    run = subprocess.run([wrk_bin, f"-t{threads}", f"-c{clients}", f"-d{max(1, round(duration))}s", "--latency", "--timeout", "10s",
                          "-s", str(LUA), base, "--", str(reqs)], capture_output=True, text=True)
    cpu = cpu_seconds(server_pid) - cpu0
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed ({run.returncode}): {run.stderr.strip() or run.stdout.strip()}")
    summary = json.loads([line for line in run.stdout.splitlines() if line.startswith("{")][-1])
    summary["cpu_s"] = cpu
    return summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=8, help="concurrent keep-alive connections (default 8)")
    ap.add_argument("--duration", type=float, default=10, help="seconds per run (default 10)")
    ap.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: it needs little CPU)")
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--per-account", type=int, default=60)
    ap.add_argument("--downloads", action="store_true", help="measure the PNG and PDF downloads instead")
    ap.add_argument("--workers", type=int, default=1, help="web processes (uvicorn --workers)")
    ap.add_argument("--http", default="auto", choices=("auto", "h11", "httptools"), help="uvicorn --http")
    ap.add_argument("--loop", default="auto", choices=("auto", "asyncio", "uvloop"), help="uvicorn --loop")
    ap.add_argument("--mixed-only", action="store_true", help="only the run of all pages mixed")
    ap.add_argument("--serve", nargs=5, metavar=("DIR", "PORT", "WORKERS", "HTTP", "LOOP"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]), int(args.serve[2]), args.serve[3], args.serve[4])
        return 0
    wrk_bin = shutil.which("wrk")
    if not wrk_bin:
        print("hub_pages: wrk is not installed; it drives the load (a C HTTP benchmark tool): "
              "apt-get install wrk (Debian/Ubuntu), then run this again", file=sys.stderr)
        return 2
    from gateway.mqtt.local_broker import free_port

    data = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    t = time.perf_counter()
    plan = build(data, args.accounts, args.per_account)
    print(f"store: {args.accounts} accounts x {args.per_account} receipts = {args.accounts * args.per_account} "
          f"receipts (built in {time.perf_counter() - t:.1f} s)")
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(data), str(port), str(args.workers),
                               args.http, args.loop], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    results: dict[str, dict] = {}
    try:
        import httpx

        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(base + "/signin", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        lines = request_lines(base, data, plan, args.clients, args.downloads)
        mixed = [line for group in zip(*lines.values(), strict=True) for line in group]
        wrk(wrk_bin, base, mixed, args.clients, args.threads, 2, server.pid, data)   # warm-up, not counted
        runs = ([] if args.mixed_only else list(lines.items())) + [("all (mixed)", mixed)]
        for name, page_lines in runs:
            results[name] = wrk(wrk_bin, base, page_lines, args.clients, args.threads, args.duration,
                                server.pid, data)
    finally:
        server.terminate()
        server.wait(10)
    print(f"{args.workers} web process(es) (uvicorn http={args.http} loop={args.loop}), {args.clients} connections "
          f"from wrk ({args.threads} thread), {args.duration:.0f} s a run; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"{'page':12} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'cpu ms/req':>10} {'not 200':>7} {'errors':>6}")
    failed = 0
    for name, r in results.items():
        secs = r["duration_us"] / 1e6
        errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
        failed += r["not200"] + errors
        print(f"{name:12} {r['requests']:8d} {r['requests'] / secs:7.0f} {r['p50_us'] / 1000:7.1f} "
              f"{r['p99_us'] / 1000:7.1f} {r['max_us'] / 1000:7.1f} {r['cpu_s'] / max(1, r['requests']) * 1000:10.2f} "
              f"{r['not200']:7d} {errors:6d}" + (f"  (first answer not 200: {r['first_not200']})" if r["not200"] else ""))
    m = results["all (mixed)"]
    print(json.dumps({"p99_ms": round(m["p99_us"] / 1000, 1), "req_per_s": round(m["requests"] / (m["duration_us"] / 1e6)),
                      "cpu_ms_per_request": round(m["cpu_s"] / max(1, m["requests"]) * 1000, 2),
                      "server_core_share": round(m["cpu_s"] / (m["duration_us"] / 1e6), 2), "failed": failed}))
    if failed:
        print(f"hub_pages: {failed} requests failed or were not answered 200 (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
