#!/usr/bin/env python3
"""Benchmark one socket's flood of frames against other users' requests.

Run from the module folder::

    python bench/bench_flood.py                     # SQLite, 20 requests/s, 10 s a phase
    python bench/bench_flood.py --database-url postgres://postgres@127.0.0.1:5432/bench
    python bench/bench_flood.py --profile large     # py-spy the attacked process

What it does:

1. Seeds a fresh database (``bench_realtime.seed``: SQLite in ``bench/data/``
   unless ``--database-url``) with ``--users`` (12) other users in
   conversations of 4, and one conversation of 4 whose first member is the
   attacker (an ordinary account with an access token).
2. Starts 2 uvicorn processes sharing Redis (``--redis-url``) with the
   production server options (``chats.management.commands.serve``:
   ``--ws-max-size 65536`` among them) and production settings: the
   throttles at their default rates (anon 60/min, user 1200/min, send
   120/min), 64 requests in progress per process, the frame limit
   (``DJANGO_SOCKET_FRAMES_PER_SECOND``, 5/s, bursts of 20), 20 sockets per user.
3. Every other user has one idle socket (``messaging.jwt`` subprotocol,
   ``bench_realtime.receiver_main`` in a process of its own) and makes
   ordinary requests, open loop, ``--rate`` (20) a second in all, round-robin
   over users and servers: a send to their conversation, the conversation
   list, a page of their conversation's history.  A 3 s warm-up (not counted)
   gives the history pages something to show.
4. Phases of ``--seconds`` (10) each: a baseline with no flood before each
   flood phase and after the last (the machine is shared: a flood is
   compared with the baselines just before and after it).  In a flood phase
   ONE socket of the attacker, on the first server process, sends one kind
   of frame as fast as it can: ``typing`` (valid typing notices for its
   conversation), ``invalid`` (malformed JSON), ``large`` (64 KiB text
   frames, the largest the server reads), ``read`` (valid JSON read markers,
   a type the socket does not accept).  When the server closes the socket
   the attacker reconnects at once (the per-user cap bounds how many it can
   hold; it holds one at a time).  The ``control`` phase opens no socket: the
   attacker's process only keeps 40 % of a core busy, about what a flood
   costs the attacked server and the attacker together, to show what that
   much CPU alone does to the others on this machine.
5. Reports per phase: the frames the attacker got out, what came back
   (``rate_limited`` and other errors, closes and their codes, seconds
   from open to the first close, sockets opened, handshakes refused), the
   other users' request p50/p99 and their ratio to the baseline (all
   requests, and those on the attacked process), event delivery to their
   sockets (p50/p99 from the send's start), each server's CPU, the
   attacker's CPU, the whole machine's CPU (of 100 % per core) and the
   load average.  Target: every ratio <= 2.

``--profile PHASE`` samples the attacked process with py-spy during that
phase (``bench_realtime.profile``).  The machine's other load shows in the
baseline; compare ratios measured in the same run.
"""
import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

import bench_realtime as rt

MEMBERS = 4
WARMUP_SECONDS = 3
GAP_SECONDS = 2
FLOODS = ("typing", "invalid", "large", "read", "control")
# The control phase: no socket; the attacker's process keeps this share of a
# core busy (about what a flood costs the attacked server and the attacker
# together), to show what that much CPU alone does on this machine.
CONTROL_BUSY = 0.4
# The largest text frame the production server reads (serve.py: --ws-max-size 65536).
LARGE_FRAME_BYTES = 65536
SERVER_LOG = rt.DATA_DIR / "flood-servers.log"


def frame_for(kind: str, conversation: str) -> str:
    """The text frame the attacker repeats in phase ``kind``."""
    if kind == "typing":
        return json.dumps({"type": "typing", "conversation": conversation})
    if kind == "invalid":
        return '{"type": "typing", "conversation": '
    if kind == "large":
        empty = {"type": "typing", "conversation": conversation, "pad": ""}
        return json.dumps({**empty, "pad": "x" * (LARGE_FRAME_BYTES - len(json.dumps(empty)))})
    if kind == "read":
        return json.dumps({"type": "read", "conversation": conversation, "seq": 1})
    raise ValueError(f"no frame for phase {kind!r}")


def attacker_main(url, token, conversation, commands, reports):
    """Child process: for each (kind, seconds) from commands, flood one socket
    with kind's frame for that long, reconnecting whenever it is closed; put a
    Counter-like dict of what happened on reports.  None ends the process."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidHandshake

    async def read(ws, stats):
        try:
            async for raw in ws:
                event = json.loads(raw)
                if event.get("type") == "error":
                    stats[f"error {event.get('code')}"] += 1
        except ConnectionClosed:
            pass

    def spin(seconds):
        """Keep CONTROL_BUSY of a core busy for seconds, in 10 ms slices."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            busy_until = time.monotonic() + 0.01 * CONTROL_BUSY
            while time.monotonic() < busy_until:
                pass
            time.sleep(0.01 * (1 - CONTROL_BUSY))

    async def flood(kind, seconds):
        frame = frame_for(kind, conversation) if kind != "control" else ""
        stats, close_after = Counter(), []
        deadline = time.monotonic() + seconds
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        if kind == "control":
            spin(seconds)
        while time.monotonic() < deadline:
            try:
                ws = await connect(url, open_timeout=10, close_timeout=1, ping_interval=None,
                                   max_queue=None, compression=None,
                                   subprotocols=["messaging.jwt", token])
                first = json.loads(await ws.recv())
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                reason = closed.rcvd.reason.split(":")[0] if closed.rcvd else ""
                stats[f"refused {code} {reason}".strip()] += 1
                continue
            except (InvalidHandshake, OSError, TimeoutError) as error:
                stats[f"refused {type(error).__name__}"] += 1
                await asyncio.sleep(0.01)
                continue
            if first.get("type") != "ready":
                stats[f"first frame {first.get('type')}"] += 1
            stats["sockets opened"] += 1
            opened = time.monotonic()
            reader = asyncio.create_task(read(ws, stats))
            try:
                while time.monotonic() < deadline:
                    await ws.send(frame)
                    stats["frames"] += 1
                    if stats["frames"] % 32 == 0:
                        await asyncio.sleep(0)  # let the close (if any) be read
            except ConnectionClosed:
                pass
            if ws.close_code is not None and time.monotonic() < deadline:
                stats[f"closed {ws.close_code}"] += 1
                close_after.append(time.monotonic() - opened)
            await ws.close()
            await reader
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        stats["cpu ms"] = round(1000 * (usage1.ru_utime + usage1.ru_stime
                                        - usage0.ru_utime - usage0.ru_stime))
        stats["bytes"] = stats["frames"] * len(frame.encode())
        report = dict(stats)
        report["seconds"] = seconds
        report["first close s"] = close_after[0] if close_after else None
        report["median close s"] = rt.percentile(close_after, 50) if close_after else None
        return report

    async def main():
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, commands.get)
            if command is None:
                return
            reports.put(await flood(*command))

    asyncio.run(main())


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores, /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / rt.CLK_TCK


class Load:
    """The other users' requests, open loop; timings kept per phase."""

    def __init__(self, users, hosts, rate: float, threads: int = 32):
        self.users, self.hosts, self.rate = users, hosts, rate
        self.requests = defaultdict(list)  # phase -> [(kind, host index, ms, status)]
        self.sends = {}  # message id -> (phase, started)
        self.local = threading.local()
        self.count = 0
        self.pool = ThreadPoolExecutor(threads)

    def one(self, phase, kind, user, host_index):
        conversation_id, token = user
        host = self.hosts[host_index]
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        session = self.local.session
        headers = {"Authorization": f"Bearer {token}"}
        base = f"http://{host}/api/conversations/"
        started = time.monotonic()
        try:
            if kind == "send":
                response = session.post(f"{base}{conversation_id}/messages/", headers=headers,
                                        json={"message_body": f"hello {self.count}"},
                                        timeout=30)
            elif kind == "list":
                response = session.get(base, headers=headers, timeout=30)
            else:
                response = session.get(f"{base}{conversation_id}/messages/", headers=headers,
                                       timeout=30)
            status = response.status_code
        except requests.RequestException as error:
            status = type(error).__name__
        elapsed = (time.monotonic() - started) * 1000
        self.requests[phase].append((kind, host_index, elapsed, status))
        if kind == "send" and status == 201:
            self.sends[response.json()["message_id"]] = (phase, started)

    def run(self, phase: str, seconds: float) -> None:
        """Start rate * seconds requests, each when due, whether or not the
        earlier ones have answered; return when the last has been started."""
        began = time.monotonic()
        for i in range(int(self.rate * seconds)):
            due = began + i / self.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            kind = ("send", "list", "history")[self.count % 3]
            user = self.users[(self.count // 3) % len(self.users)]
            self.pool.submit(self.one, phase, kind, user, self.count % len(self.hosts))
            self.count += 1


def run_phases(args, groups, database_url, redis_url):
    from chats.management.commands.serve import SERVER_OPTIONS

    env = {**rt.PRODUCTION_THROTTLES, "DJANGO_MAX_CONCURRENT_REQUESTS": "64",
           "DJANGO_SOCKET_RECHECK_SECONDS": "30"}
    ports = [args.port + i if args.port else None for i in range(2)]
    SERVER_LOG.parent.mkdir(parents=True, exist_ok=True)
    with open(SERVER_LOG, "w") as log:
        servers = [rt.start_server(database_url, redis_url, env, SERVER_OPTIONS, port, log)
                   for port in ports]
    pids = [process.pid for process, _ in servers]
    hosts = [host for _, host in servers]
    ctx = multiprocessing.get_context("spawn")
    others = [(cid, token) for cid, tokens in groups[:-1] for token in tokens]
    attacker_conversation, attacker_tokens = groups[-1]
    assignments = [(i, f"ws://{hosts[i % 2]}/ws/events/", token)
                   for i, (_, token) in enumerate(others)]
    ready_queue, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    counter = ctx.Value("q", 0, lock=False)
    receiver = ctx.Process(target=rt.receiver_main,
                           args=(assignments, ready_queue, stop, results, counter))
    commands, reports = ctx.Queue(), ctx.Queue()
    attacker = ctx.Process(target=attacker_main, args=(
        f"ws://{hosts[0]}/ws/events/", attacker_tokens[0], attacker_conversation,
        commands, reports))
    load = Load(others, hosts, args.rate)
    rows = {}
    try:
        receiver.start()
        attacker.start()
        _, opened, errors, _ = ready_queue.get(timeout=60)
        print(f"  {opened} of {len(others)} idle sockets ready" +
              (f"; failures: {errors}" if errors else ""))
        load.run("warmup", WARMUP_SECONDS)
        time.sleep(GAP_SECONDS)
        for phase, flood in sequence(args.floods):
            if flood:
                commands.put((flood, args.seconds + 0.5))
                time.sleep(0.2)
            profiler = None
            if args.profile == flood:
                profile_path = Path(tempfile.gettempdir()) / f"bench_flood_{os.getpid()}.txt"
                profiler = rt.profile(pids[0], int(args.seconds), profile_path)
            cpu0 = [rt.cpu_seconds(pid) for pid in pids]
            busy0 = machine_busy()
            began = time.monotonic()
            load.run(phase, args.seconds)
            seconds = time.monotonic() - began
            cpu = [(rt.cpu_seconds(pid) - c) / seconds * 100
                   for pid, c in zip(pids, cpu0, strict=True)]
            busy = machine_busy() - busy0
            rows[phase] = {"cpu": cpu, "attack": reports.get(timeout=60) if flood else {},
                           "load": os.getloadavg()[0], "busy": busy / seconds * 100}
            if profiler is not None:
                profiler.wait(timeout=60)
                rt.summarize_profile(profile_path)
            time.sleep(GAP_SECONDS)
        load.pool.shutdown(wait=True)
        time.sleep(GAP_SECONDS)
    finally:
        commands.put(None)
        stop.set()
        outcome = results.get(timeout=60) if receiver.is_alive() else {"log": []}
        receiver.join(10)
        attacker.join(10)
        for process, _ in servers:
            rt.stop_server(process)
    for message_id, _, received in outcome["log"]:
        phase, started = load.sends.get(message_id, ("warmup", 0))
        if phase in rows:
            rows[phase].setdefault("events", []).append((received - started) * 1000)
    for phase in rows:
        rows[phase]["requests"] = load.requests[phase]
    return rows


def sequence(floods):
    """[(phase name, flood kind or None)]: a baseline before each flood and after the last."""
    phases = []
    for number, flood in enumerate(floods, 1):
        phases += [(f"baseline {number}", None), (flood, flood)]
    return phases + [(f"baseline {len(floods) + 1}", None)]


def latencies(requests, kind=None, attacked=None) -> list:
    """The ms of requests, of one kind and/or on the attacked process (or not)."""
    return [ms for k, host, ms, _ in requests
            if kind in (None, k) and attacked in (None, host == 0)]


def ratio(requests, baseline, pct, **which) -> str:
    """A percentile of requests over the same of baseline (``which``: as latencies)."""
    mine = rt.percentile(latencies(requests, **which), pct)
    return f"{mine / rt.percentile(latencies(baseline, **which), pct):.2f}"


def summarize(rows) -> None:
    """Print a table row per phase; a flood's ratios are to the requests (and
    events) of the baselines just before and after it, pooled."""
    p = rt.percentile
    names = list(rows)
    print("\n| phase | attacker frames | frames/s | rate_limited errors | other errors "
          "| closes | first close after s | sockets opened | handshakes refused "
          "| p50 ms | p99 ms | p50 x | p99 x | p99 x attacked process | p99 x other process "
          "| event p50 ms "
          "| event p99 ms | event p99 x | server CPU % (attacked, other) | attacker CPU % "
          "| machine CPU % | load |")
    print("| --- |" + " ---: |" * 21)
    for index, phase in enumerate(names):
        row, attack = rows[phase], rows[phase]["attack"]
        own = row["requests"]
        events = row.get("events", [])
        failed = Counter(status for *_, status in own if status not in (200, 201))
        cells = [f"{p(latencies(own), 50):.1f}", f"{p(latencies(own), 99):.1f}",
                 "-", "-", "-", "-", f"{p(events, 50):.1f}", f"{p(events, 99):.1f}", "-"]
        if attack:
            around = [*rows[names[index - 1]]["requests"], *rows[names[index + 1]]["requests"]]
            base_events = [*rows[names[index - 1]].get("events", []),
                           *rows[names[index + 1]].get("events", [])]
            cells[2:6] = [ratio(own, around, 50), ratio(own, around, 99),
                          ratio(own, around, 99, attacked=True),
                          ratio(own, around, 99, attacked=False)]
            cells[8] = f"{p(events, 99) / p(base_events, 99):.2f}"
            by_kind = ", ".join(f"{kind} {p(latencies(own, kind), 50):.0f} "
                                f"({p(latencies(around, kind), 50):.0f})"
                                for kind in ("send", "list", "history"))
        errors = Counter({k: v for k, v in attack.items() if k.startswith("error ")})
        limited = errors.pop("error rate_limited", 0)
        closes = ", ".join(f"{v} x {k.split()[1]}" for k, v in attack.items()
                           if k.startswith("closed ")) or "-"
        refused = {k: v for k, v in attack.items() if k.startswith("refused")}
        first = attack.get("first close s")
        duration = attack.get("seconds") or 1
        print(f"| {phase} | {attack.get('frames', 0):,} | "
              f"{attack.get('frames', 0) / duration:,.0f} | {limited:,} | "
              f"{sum(errors.values()):,} | {closes} | "
              f"{'-' if first is None else f'{first:.3f}'} | "
              f"{attack.get('sockets opened', 0):,} | {sum(refused.values()):,} | "
              + " | ".join(cells) + " | "
              f"{row['cpu'][0]:.0f}, {row['cpu'][1]:.0f} | "
              f"{attack.get('cpu ms', 0) / 10 / duration:.0f} | {row['busy']:.0f} | "
              f"{row['load']:.1f} |"
              + (f" failed: {dict(failed)}" if failed else ""))
        if attack:
            print(f"    p50 ms by request (baselines around): {by_kind}")
        if errors:
            print(f"    other errors: {dict(errors)}")
        if refused:
            print(f"    handshakes refused: {refused}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=12, help="other users (one socket each)")
    parser.add_argument("--rate", type=float, default=20,
                        help="the other users' requests per second in all, open loop")
    parser.add_argument("--seconds", type=float, default=10, help="seconds per phase")
    parser.add_argument("--floods", nargs="+", default=list(FLOODS), choices=FLOODS,
                        help="the flood phases, each between two baselines")
    rt.add_store_arguments(parser)
    parser.add_argument("--port", type=int, default=0,
                        help="first of the two servers' ports (default: free ones)")
    parser.add_argument("--profile", choices=FLOODS,
                        help="py-spy the attacked process during this flood")
    args = parser.parse_args()
    if not rt.redis_available(args.redis_url):
        raise SystemExit(f"nothing answers at {args.redis_url}: start Redis or set --redis-url")
    database_url = args.database_url or rt.fresh_sqlite_url("flood.sqlite3")
    rt.setup_django(database_url)
    groups = rt.seed(args.users + MEMBERS, MEMBERS)
    print(f"{args.users} other users in {len(groups) - 1} conversations of {MEMBERS}, one "
          f"attacker; 2 server processes, Redis layer, database "
          f"{database_url.split(':')[0]}; {args.rate:g} requests/s open loop; "
          f"{args.seconds:g} s a phase; {os.cpu_count()} cores (shared), load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    rows = run_phases(args, groups, database_url, args.redis_url)
    summarize(rows)
    print("\n  load average at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    log = SERVER_LOG.read_text().splitlines()
    kinds = Counter(line.split(" [")[0].split(" ", 2)[-1] for line in log
                    if " WARNING " in line or " ERROR " in line)
    print(f"  the servers' output is in {SERVER_LOG.relative_to(rt.MODULE_DIR)}: "
          f"{len(log):,} lines; warnings and errors by logger: {dict(kinds) or 'none'}")


if __name__ == "__main__":
    main()
