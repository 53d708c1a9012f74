#!/usr/bin/env python3
"""Benchmark real-time delivery: idle WebSockets receiving REST sends, open loop.

Run from the module folder (``make bench`` runs the defaults)::

    python bench/bench_realtime.py              # 1,000 sockets, 2 processes, 100 sends/s, 30 s
    python bench/bench_realtime.py --clients 5000 --duration 30 --rate 100 --processes 2
    python bench/bench_realtime.py --clients 10000 \
        --database-url postgres://postgres@127.0.0.1:5432/bench
    python bench/bench_realtime.py --quick                # 200 sockets, 10 s

What it does:

1. Seeds a fresh database (SQLite in ``bench/data/`` unless ``--database-url``;
   a PostgreSQL database is flushed first) with ``--clients`` users in
   conversations of ``--members`` (10).  Sockets authenticate with their
   access token in the ``messaging.jwt`` subprotocol (no 30-second tickets).
2. Starts ``--processes`` uvicorn server processes on 127.0.0.1 sharing Redis
   (``--redis-url``, default ``BENCH_REDIS_URL`` or redis://127.0.0.1:6379/14;
   ``--layer memory`` runs one process with the in-memory layer), throttles
   off (``--throttles`` keeps the production rates, to count their cost),
   the socket recheck every 5 s (to show its cost while idle),
   per-message deflate off (as ``manage.py serve`` runs), and on PostgreSQL a
   pool of 8 connections per process.
3. Opens one socket per user from ``--receivers`` processes (asyncio,
   ``websockets``), round-robin over the servers, and waits for every
   ``ready``.  RSS per idle socket = the servers' RSS growth / sockets.
4. Idle for 10 s: the servers' CPU and, on PostgreSQL, the database's
   transactions per second (``pg_stat_database``).  Then a baseline in the
   same run: ``GET /healthz`` open loop at ``--rate`` for 5 s (the machine's
   floor, from request to response); the table gives p99 as a multiple of it.
5. Sends open loop: ``--rate`` sends a second for ``--duration`` seconds (or
   ``--sends`` in all) over REST from a pool of threads, each from a member of
   its conversation, round-robin over conversations and servers; a send that
   is due is started whether or not earlier ones have answered.
6. (A socket the server drops reconnects with ``since``, as the chat page
   does, and what it missed is replayed: lost counts what never arrived.)
   Waits until every member's socket has every stored message (or nothing
   has arrived for 10 s), then reports: p50/p99 ms from the request start and after its
   response, lost (a member's socket missing a stored message), duplicated,
   out of order (a seq other than last + 1), failed sends, server CPU ms per
   send (all server processes, fan-out included, during the send phase), the
   harness's own CPU (sender and receivers), RSS per idle socket, idle
   transactions per second.

``--profile`` samples one server process with py-spy during the send phase
and prints the functions where it spends most of its time.  Raise ``ulimit -n``
first for large runs (the script raises its soft limit to the hard one).
Clocks: ``time.monotonic`` (system-wide, shared by all processes).
"""
import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

MODULE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = MODULE_DIR / "bench" / "data"
SECRET = "bench-only-secret-key-" + secrets.token_urlsafe(30)
IDLE_SECONDS = 10
RECHECK_SECONDS = 5
DRAIN_SECONDS = 10
BASELINE_SECONDS = 5
POOL_SIZE = 8
PG_STATS_DELAY = 11
CLK_TCK = os.sysconf("SC_CLK_TCK")


def setup_django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "messaging_app.settings"
    os.environ["DJANGO_SECRET_KEY"] = SECRET
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_ENV_FILE"] = ""
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(MODULE_DIR))
    import django
    django.setup()


def seed(clients: int, members: int):
    """Fresh users and conversations; return [(conversation_id, [access token])]."""
    from django.core.management import call_command
    from django.db import connection
    from rest_framework_simplejwt.tokens import AccessToken

    from chats.models import Conversation, User

    call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor != "sqlite":
        call_command("flush", verbosity=0, interactive=False)
    users = User.objects.bulk_create([
        User(username=f"rt{i}", email=f"rt{i}@example.com", first_name=f"R{i}",
             last_name="Bench", password="!") for i in range(clients)])
    groups = []
    through = Conversation.participants.through
    for start in range(0, clients, members):
        group = users[start:start + members]
        conversation = Conversation.objects.create(title=f"room {start // members}",
                                                   owner=group[0])
        through.objects.bulk_create([through(conversation=conversation, user=u)
                                     for u in group])
        groups.append((str(conversation.pk), [str(AccessToken.for_user(u)) for u in group]))
    connection.close()
    return groups


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# uvicorn's options for the benchmark servers (manage.py serve's own are in
# chats.management.commands.serve.SERVER_OPTIONS).
BENCH_SERVER_OPTIONS = ["--no-access-log", "--backlog", "4096", "--timeout-keep-alive", "30",
                        "--ws-per-message-deflate", "false"]
# The settings' default throttle rates, for servers that keep them (--throttles).
PRODUCTION_THROTTLES = {"DJANGO_THROTTLE_ANON": "60/min", "DJANGO_THROTTLE_USER": "1200/min",
                        "DJANGO_THROTTLE_SEND": "120/min"}


def start_server(database_url: str, redis_url, extra_env=None, options=None, port=None,
                 log=None):
    """Start one uvicorn process (``options``: uvicorn's, default BENCH_SERVER_OPTIONS)
    on ``port`` (default: a free one), its output to the file ``log`` (default: this
    process's); return (process, "127.0.0.1:port") once it answers."""
    port = port or free_port()
    env = {**os.environ, "DJANGO_SECRET_KEY": SECRET, "DATABASE_URL": database_url,
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_DEBUG": "0",
           "DJANGO_THROTTLE_ANON": "off", "DJANGO_THROTTLE_USER": "off",
           "DJANGO_THROTTLE_SEND": "off", "DJANGO_SECURE_COOKIES": "0",
           "DJANGO_SOCKET_RECHECK_SECONDS": str(RECHECK_SECONDS),
           "DJANGO_MAX_CONCURRENT_REQUESTS": "1000", **(extra_env or {})}
    if database_url.startswith(("postgres://", "postgresql://")):
        env.setdefault("DJANGO_DB_POOL_SIZE", str(POOL_SIZE))
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "messaging_app.asgi:application", "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning",
         *(BENCH_SERVER_OPTIONS if options is None else options)],
        cwd=MODULE_DIR, env=env, stdout=log, stderr=log and subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("server failed to start")
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return process, f"127.0.0.1:{port}"
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("server did not start")


def stop_server(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def receiver_main(assignments, ready_queue, stop_event, results, counter):
    """Child process: open its sockets, log every message.created frame.

    assignments: [(socket index, url, token)].  Puts ("ready", opened, errors)
    once, then {"log": [(message id, socket index, seq-problem, time)], ...}.
    """
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    log, problems = [], Counter()
    opened = 0
    parent = os.getppid()

    async def handshake(url, token, gate):
        async with gate:
            ws = await connect(url, open_timeout=60, max_queue=None, ping_interval=None,
                               subprotocols=["messaging.jwt", token])
            ready = json.loads(await ws.recv())
            if ready["type"] != "ready":
                raise RuntimeError(f"expected ready, got {ready}")
        return ws, ready

    async def client(index, url, token, gate):
        """One socket; after a drop it reconnects with since, as the chat page does."""
        nonlocal opened
        for attempt in range(10):  # a handshake closed 1013 (server busy) is retried
            try:
                ws, ready = await handshake(url, token, gate)
                break
            except ConnectionClosed:
                if attempt == 9:
                    raise
                problems["handshake_retries"] += 1
                await asyncio.sleep(1 + attempt)
        last = dict(ready["conversations"])
        opened += 1
        while True:
            try:
                async for raw in ws:
                    now = time.monotonic()
                    event = json.loads(raw)
                    if event["type"] != "message.created":
                        continue
                    conversation, seq = event["conversation"], event["seq"]
                    previous = last.get(conversation, 0)
                    if seq <= previous:
                        problems["duplicated"] += 1
                    elif seq != previous + 1:
                        problems["out_of_order"] += 1
                    last[conversation] = max(previous, seq)
                    log.append((event["message"]["message_id"], index, now))
                    counter.value += 1  # one writer per counter: no lock needed
            except ConnectionClosed:
                pass
            finally:
                await ws.close()
            since = ",".join(f"{c}:{seq}" for c, seq in last.items())
            while True:
                problems["reconnects"] += 1
                await asyncio.sleep(1)
                try:
                    ws, _ = await handshake(f"{url}?since={since}", token, gate)
                    break
                except (ConnectionClosed, OSError, RuntimeError, TimeoutError):
                    continue

    async def main():
        gate = asyncio.Semaphore(16)  # handshakes in flight per receiver
        tasks = [asyncio.create_task(client(i, url, token, gate))
                 for i, url, token in assignments]
        while opened + sum(t.done() for t in tasks) < len(tasks) and \
                os.getppid() == parent:
            await asyncio.sleep(0.05)
        failed = [repr(t.exception()) for t in tasks if t.done() and t.exception()]
        ready_queue.put(("ready", opened, failed[:5], len(failed)))
        # Stop with the harness, also when it was killed (no stop event then).
        while not stop_event.is_set() and os.getppid() == parent:
            await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        results.put({"log": log, "problems": dict(problems),
                     "cpu": usage.ru_utime + usage.ru_stime})

    asyncio.run(main())


def pg_transactions(database_url: str):
    """Committed + rolled back transactions of the database so far (None if not PostgreSQL)."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        return None
    import psycopg
    with psycopg.connect(database_url, autocommit=True) as conn:
        name = conn.info.dbname
        row = conn.execute("SELECT xact_commit + xact_rollback FROM pg_stat_database "
                           "WHERE datname = %s", [name]).fetchone()
        return row[0]


def profile(pid: int, seconds: int, out: Path):
    """Start py-spy on pid for seconds, writing collapsed stacks to out."""
    if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
        print("(--profile: py-spy is not installed; pip install -r requirements-dev.txt)")
        return None
    binary = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen([binary, "record", "-p", str(pid), "-d", str(seconds), "-r", "100",
                             "-f", "raw", "-o", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summarize_profile(path: Path, top: int = 20) -> None:
    """Print the functions with the most samples, inclusive and on top of the stack."""
    if not path.exists():
        print("(no profile written)")
        return
    inclusive, own, total = Counter(), Counter(), 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        count = int(count)
        total += count
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].split("/")[-1]
                  for f in stack.split(";") if f]
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            own[frames[-1]] += count
    print(f"\nprofile of one server process, {total} samples at 100/s (idle = waiting in epoll):")
    print("  on top of the stack:")
    for frame, count in own.most_common(top):
        print(f"    {100 * count / total:5.1f}%  {frame}")
    print("  inclusive:")
    for frame, count in inclusive.most_common(top):
        print(f"    {100 * count / total:5.1f}%  {frame}")


def run(args, groups, database_url: str, redis_url):
    members_of = {cid: tokens for cid, tokens in groups}
    # --throttles: the settings' default rates (the environment's DJANGO_THROTTLE_* dropped).
    extra = PRODUCTION_THROTTLES if args.throttles else None
    servers = [start_server(database_url, redis_url, extra) for _ in range(args.processes)]
    try:
        return measure(args, groups, members_of, servers, database_url)
    finally:
        for process, _ in servers:
            stop_server(process)


def measure(args, groups, members_of, servers, database_url):
    hosts = [host for _, host in servers]
    pids = [process.pid for process, _ in servers]
    rss_before = sum(rss_kb(pid) for pid in pids)
    # Socket i belongs to the i-th member overall; round-robin over servers and receivers.
    sockets = []  # (index, conversation id)
    assignments = [[] for _ in range(args.receivers)]
    index = 0
    for conversation_id, tokens in groups:
        for token in tokens:
            url = f"ws://{hosts[index % len(hosts)]}/ws/events/"
            assignments[index % args.receivers].append((index, url, token))
            sockets.append(conversation_id)
            index += 1
    ctx = multiprocessing.get_context("spawn")
    ready_queue, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    counters = [ctx.Value("q", 0, lock=False) for chunk in assignments if chunk]
    receivers = [ctx.Process(target=receiver_main,
                             args=(chunk, ready_queue, stop, results, counter))
                 for chunk, counter in zip([c for c in assignments if c], counters, strict=True)]
    opening = time.monotonic()
    for receiver in receivers:
        receiver.start()
    opened, open_errors = 0, []
    for _ in receivers:
        _, count, sample, failed = ready_queue.get(timeout=300)
        opened += count
        open_errors += sample
    open_seconds = time.monotonic() - opening
    print(f"  {opened:,} of {len(sockets):,} sockets ready in {open_seconds:.1f} s "
          "(handshakes closed 1013 are retried)"
          + (f"; failures, e.g. {open_errors[:2]}" if open_errors else ""))
    time.sleep(2)
    rss_after = sum(rss_kb(pid) for pid in pids)

    # Idle.  PostgreSQL backends that went idle report their counts up to 10 s
    # later: wait for the handshakes' transactions to be counted first.
    if pg_transactions(database_url) is not None:
        time.sleep(PG_STATS_DELAY)
    cpu0, tx0 = sum(cpu_seconds(p) for p in pids), pg_transactions(database_url)
    time.sleep(IDLE_SECONDS)
    idle_cpu = (sum(cpu_seconds(p) for p in pids) - cpu0) / IDLE_SECONDS * 1000
    tx1 = pg_transactions(database_url)
    idle_tx = None if tx0 is None else max(0, tx1 - tx0 - 1) / IDLE_SECONDS

    # Baseline, same run: GET /healthz open loop at the same rate for 5 s, from
    # request to response (the machine's and the harness's floor).
    baseline = []

    def probe(host, due):
        started = time.monotonic()
        requests.get(f"http://{host}/healthz", timeout=30)
        baseline.append((time.monotonic() - started) * 1000)

    with ThreadPoolExecutor(args.threads) as pool:
        began = time.monotonic()
        for i in range(int(args.rate * BASELINE_SECONDS)):
            due = began + i / args.rate
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            pool.submit(probe, hosts[i % len(hosts)], due)

    # Send, open loop.
    total = args.sends or int(args.rate * args.duration)
    plan = []
    for i in range(total):
        conversation_id, tokens = groups[i % len(groups)]
        token = tokens[(i // len(groups)) % len(tokens)]
        plan.append((conversation_id, token, f"m{i}", hosts[i % len(hosts)]))
    timings, failures, lateness = {}, Counter(), []
    local = threading.local()

    def send(item, due):
        conversation_id, token, body, host = item
        if not hasattr(local, "session"):
            local.session = requests.Session()
        started = time.monotonic()
        lateness.append(started - due)
        try:
            response = local.session.post(
                f"http://{host}/api/conversations/{conversation_id}/messages/",
                headers={"Authorization": f"Bearer {token}"}, json={"message_body": body},
                timeout=30)
        except requests.RequestException as error:
            failures[type(error).__name__] += 1
            return
        finished = time.monotonic()
        if response.status_code != 201:
            failures[response.status_code] += 1
            return
        timings[response.json()["message_id"]] = (conversation_id, started, finished)

    profiler = None
    if args.profile:
        profile_path = Path(tempfile.gettempdir()) / f"bench_realtime_{os.getpid()}.txt"
        profiler = profile(pids[0], max(1, int(total / args.rate)), profile_path)
    harness0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = sum(cpu_seconds(p) for p in pids)
    began = time.monotonic()
    with ThreadPoolExecutor(args.threads) as pool:
        for i, item in enumerate(plan):
            due = began + i / args.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, item, due)
    send_seconds = time.monotonic() - began
    send_cpu = sum(cpu_seconds(p) for p in pids) - cpu0
    harness1 = resource.getrusage(resource.RUSAGE_SELF)
    sender_cpu = (harness1.ru_utime + harness1.ru_stime) - (harness0.ru_utime + harness0.ru_stime)

    # Drain: until every stored message has reached every member's socket, or
    # nothing has arrived for DRAIN_SECONDS (what is missing then is lost).
    by_conversation = Counter(sockets)  # conversation id -> its sockets
    expected_total = sum(by_conversation[c] for c, _, _ in timings.values())
    last_count, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < DRAIN_SECONDS:
        count = sum(counter.value for counter in counters)
        if count >= expected_total:
            break
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        time.sleep(0.2)
    stop.set()
    if profiler is not None:
        profiler.wait(timeout=max(30, args.duration + 30))
    outcomes = [results.get(timeout=120) for _ in receivers]
    for receiver in receivers:
        receiver.join(30)

    log = [entry for outcome in outcomes for entry in outcome["log"]]
    problems = Counter()
    for outcome in outcomes:
        problems.update(outcome["problems"])
    delivered = {(message_id, index) for message_id, index, _ in log}
    delivered_stored = sum(1 for message_id, _ in delivered if message_id in timings)
    lost = expected_total - delivered_stored
    after_request, after_response = [], []
    for message_id, _, received in log:
        if message_id in timings:
            _, started, finished = timings[message_id]
            after_request.append((received - started) * 1000)
            after_response.append(max(0.0, received - finished) * 1000)
    return {
        "clients": len(sockets), "opened": opened, "processes": len(pids),
        "sends": len(plan), "stored": len(timings), "failures": dict(failures),
        "sends_per_s": len(plan) / send_seconds, "expected": expected_total,
        "delivered": len(log), "lost": lost,
        "duplicated": problems["duplicated"],
        "out_of_order": problems["out_of_order"],
        "reconnects": problems["reconnects"],
        "handshake_retries": problems["handshake_retries"],
        "p50_req": percentile(after_request, 50), "p99_req": percentile(after_request, 99),
        "p50_resp": percentile(after_response, 50), "p99_resp": percentile(after_response, 99),
        "cpu_ms_per_send": send_cpu * 1000 / max(1, len(timings)),
        "server_cpu_pct": send_cpu / send_seconds * 100,
        "idle_cpu_ms_per_s": idle_cpu, "idle_tx_per_s": idle_tx,
        "rss_kb_per_socket": (rss_after - rss_before) / max(1, opened),
        "sender_cpu_pct": sender_cpu / send_seconds * 100,
        "receiver_cpu_s": sum(o["cpu"] for o in outcomes),
        "late_p99_ms": percentile([x * 1000 for x in lateness], 99),
        "profile": profile_path if args.profile else None,
        "base_p50": percentile(baseline, 50), "base_p99": percentile(baseline, 99),
    }


def percentile(values, pct):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def redis_available(url) -> bool:
    try:
        import redis
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
        client.flushdb()
        return True
    except Exception:  # noqa: BLE001
        return False


def raise_open_files_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def add_store_arguments(parser) -> None:
    """--redis-url and --database-url, with BENCH_REDIS_URL and BENCH_DATABASE_URL."""
    parser.add_argument("--redis-url",
                        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="default: a fresh SQLite file in bench/data/")


def fresh_sqlite_url(name: str) -> str:
    """The URL of a new SQLite database bench/data/<name> (an old one is removed)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000, help="sockets (one per user)")
    parser.add_argument("--members", type=int, default=10, help="users per conversation")
    parser.add_argument("--rate", type=float, default=100, help="sends per second, open loop")
    parser.add_argument("--duration", type=float, default=30, help="seconds of sending")
    parser.add_argument("--sends", type=int, default=0, help="sends in all (instead of --duration)")
    parser.add_argument("--processes", type=int, default=2, help="server processes")
    parser.add_argument("--layer", choices=("redis", "memory"), default="redis")
    add_store_arguments(parser)
    parser.add_argument("--receivers", type=int, default=0,
                        help="receiver processes (default: one per 1,250 sockets, at least 2)")
    parser.add_argument("--threads", type=int, default=200, help="sender threads")
    parser.add_argument("--profile", action="store_true", help="py-spy one server process")
    parser.add_argument("--throttles", action="store_true",
                        help="keep the production throttle rates (default: off)")
    parser.add_argument("--quick", action="store_true", help="200 sockets, 10 s")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.duration = 200, 10
    args.receivers = args.receivers or max(2, -(-args.clients // 1250))
    limit = raise_open_files_limit()
    if limit < args.clients // max(1, args.receivers) + 200:
        raise SystemExit(f"open files limit {limit} is too low for {args.clients} sockets; "
                         "raise it (ulimit -n) or add --receivers")
    database_url = args.database_url or fresh_sqlite_url("realtime.sqlite3")
    redis_url = None
    if args.layer == "redis":
        if not redis_available(args.redis_url):
            raise SystemExit(f"nothing answers at {args.redis_url}: start Redis, "
                             "set --redis-url, or use --layer memory --processes 1")
        redis_url = args.redis_url
    elif args.processes != 1:
        raise SystemExit("--layer memory delivers within one process: use --processes 1")
    setup_django(database_url)
    groups = seed(args.clients, args.members)
    total = args.sends or int(args.rate * args.duration)
    print(f"{args.clients:,} sockets in {len(groups):,} conversations of {args.members}; "
          f"{args.processes} server process(es), {args.layer} layer, "
          f"database {database_url.split(':')[0]}; {total:,} sends at {args.rate:g}/s open "
          f"loop; {args.receivers} receiver processes; {os.cpu_count()} cores (shared)")
    row = run(args, groups, database_url, redis_url)
    idle_tx = "n/a" if row["idle_tx_per_s"] is None else f"{row['idle_tx_per_s']:.1f}"
    print()
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print("| database | sockets | processes | sends | sends/s | lost | dup | out of order "
          "| p50 ms | p99 ms | p99 ms after response | baseline p99 ms | p99 x baseline "
          "| CPU ms/send | RSS KB/socket | idle CPU ms/s | idle tx/s |")
    print("| --- |" + " ---: |" * 16)
    print(f"| {database} | {row['clients']:,} | {row['processes']} | {row['stored']:,} | "
          f"{row['sends_per_s']:.0f} | {row['lost']} | {row['duplicated']} | "
          f"{row['out_of_order']} | {row['p50_req']:.1f} | {row['p99_req']:.1f} | "
          f"{row['p99_resp']:.1f} | {row['base_p99']:.1f} | "
          f"{row['p99_req'] / row['base_p99']:.1f} | {row['cpu_ms_per_send']:.1f} | "
          f"{row['rss_kb_per_socket']:.1f} | {row['idle_cpu_ms_per_s']:.0f} | {idle_tx} |")
    print(f"\n  delivered {row['delivered']:,} of {row['expected']:,} ({row['reconnects']} "
          f"reconnections with since, {row['handshake_retries']} handshakes retried); "
          "failed sends: "
          f"{row['failures'] or 'none'}; servers busy {row['server_cpu_pct']:.0f}% of one core "
          f"while sending; harness: sender {row['sender_cpu_pct']:.0f}% of a core (sends "
          f"started up to {row['late_p99_ms']:.1f} ms late, p99), receivers "
          f"{row['receiver_cpu_s']:.1f} CPU s in all")
    if row["profile"]:
        summarize_profile(row["profile"])


if __name__ == "__main__":
    main()
