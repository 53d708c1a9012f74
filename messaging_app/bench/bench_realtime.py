#!/usr/bin/env python3
"""Benchmark real-time delivery: WebSocket clients receiving REST sends.

Run from the module folder (``make bench`` does)::

    python bench/bench_realtime.py           # 200 clients, 20 conversations, 2,000 sends
    python bench/bench_realtime.py --quick   # 50 clients, 5 conversations, 200 sends

What it does:

1. Creates a fresh SQLite database in ``bench/data/`` (or uses
   ``BENCH_DATABASE_URL``), with N users split into conversations of 10
   members each (every user is in one conversation).
2. For each channel layer (in-memory, Redis with one server process, Redis
   with two processes; the Redis rows need ``BENCH_REDIS_URL``, default
   ``redis://127.0.0.1:6379/14``, and are skipped without it) it starts
   uvicorn on 127.0.0.1 with throttling off, opens one WebSocket per user
   (a separate receiver process, asyncio, ``websockets``), waits for every
   ``ready``, then sends the messages over REST from 4 threads, each message
   from a member of its conversation, round-robin over conversations.
3. Every member's socket must receive every message of its conversation
   (the sender's own socket included): expected = sends x 10.  Each socket
   also checks that seqs arrive 1, 2, 3, ... per conversation.
4. Latency: from the moment the REST response was received to the moment
   the frame arrived (clamped at 0: an event can beat the response, which
   is sent after the commit that triggers the event), and from the moment
   the request was sent.  Clocks: ``time.monotonic`` (system-wide).

Target: nothing lost or out of order, p99 under 100 ms after the REST response with
the Redis layer.
"""
import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

MODULE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = MODULE_DIR / "bench" / "data"
SECRET = "bench-only-secret-key-" + secrets.token_urlsafe(30)
MEMBERS = 10
SEND_THREADS = 4

SIZES = {
    "full": {"clients": 200, "sends": 2000},
    "quick": {"clients": 50, "sends": 200},
}


def setup_django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "messaging_app.settings"
    os.environ["DJANGO_SECRET_KEY"] = SECRET
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(MODULE_DIR))
    import django
    django.setup()


def seed(clients: int):
    """Fresh users and conversations; return [(conversation_id, [(user_id, token)])]."""
    from django.core.management import call_command
    from django.db import connection

    from chats.auth import get_tokens_for_user
    from chats.models import Conversation, User

    call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor != "sqlite":
        call_command("flush", verbosity=0, interactive=False)
    users = User.objects.bulk_create([
        User(username=f"rt{i}", email=f"rt{i}@example.com", first_name=f"R{i}",
             last_name="Bench", password="!") for i in range(clients)])
    groups = []
    for start in range(0, clients, MEMBERS):
        members = users[start:start + MEMBERS]
        conversation = Conversation.objects.create(title=f"room {start // MEMBERS}")
        conversation.participants.add(*members)
        groups.append((str(conversation.pk),
                       [(str(u.pk), get_tokens_for_user(u)["access"]) for u in members]))
    connection.close()
    return groups


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(database_url: str, redis_url):
    port = free_port()
    env = {**os.environ, "DJANGO_SECRET_KEY": SECRET, "DATABASE_URL": database_url,
           "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_DEBUG": "0",
           "DJANGO_THROTTLE_ANON": "off", "DJANGO_THROTTLE_USER": "off",
           "DJANGO_THROTTLE_SEND": "off", "DJANGO_SECURE_COOKIES": "0"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "messaging_app.asgi:application", "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=MODULE_DIR, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("server failed to start")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, f"127.0.0.1:{port}"
        except OSError:
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


def receiver_main(urls, expected_per_socket, ready_event, results):
    """Child process: open every socket, record (message_id, time) of each frame."""
    from websockets.asyncio.client import connect

    async def client(url, expected, log, problems, opened):
        async with connect(url, open_timeout=30, max_queue=None) as ws:
            ready = json.loads(await ws.recv())
            assert ready["type"] == "ready", ready
            last = dict(ready["conversations"])
            opened.append(1)
            got = 0
            while got < expected:
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=15)
                except TimeoutError:
                    break
                now = time.monotonic()
                event = json.loads(raw)
                if event["type"] != "message.created":
                    continue
                got += 1
                conversation = event["conversation"]
                if event["seq"] != last.get(conversation, 0) + 1:
                    problems.append((conversation, last.get(conversation), event["seq"]))
                last[conversation] = event["seq"]
                log.append((event["message"]["message_id"], now))

    async def main():
        log, problems, opened = [], [], []
        tasks = []
        for url in urls:
            tasks.append(asyncio.create_task(client(url, expected_per_socket, log, problems,
                                                    opened)))
            await asyncio.sleep(0.002)  # do not stampede the accept queue
        while len(opened) < len(urls):
            await asyncio.sleep(0.05)
            if any(t.done() and t.exception() for t in tasks):
                break
        ready_event.set()
        outcome = await asyncio.gather(*tasks, return_exceptions=True)
        errors = [repr(e) for e in outcome if isinstance(e, BaseException)]
        results.put({"log": log, "problems": problems, "errors": errors})

    asyncio.run(main())


def run_row(label, groups, sends, servers):
    """Connect everyone, send, collect; return a result row."""
    hosts = [host for _, host in servers]
    # Tickets over REST, each client on the server its index picks.
    urls = []
    session = requests.Session()
    index = 0
    for _, members in groups:
        for _, token in members:
            host = hosts[index % len(hosts)]
            index += 1
            response = session.post(f"http://{host}/api/ws-ticket/",
                                    headers={"Authorization": f"Bearer {token}"}, json={})
            response.raise_for_status()
            urls.append(f"ws://{host}{response.json()['url']}")
    per_conversation = sends // len(groups)
    ctx = multiprocessing.get_context("spawn")
    ready, results = ctx.Event(), ctx.Queue()
    receiver = ctx.Process(target=receiver_main,
                           args=(urls, per_conversation, ready, results))
    receiver.start()
    if not ready.wait(120):
        receiver.kill()
        raise SystemExit("receivers did not connect")

    plan = []
    for i in range(per_conversation):
        for g, (conversation_id, members) in enumerate(groups):
            _, token = members[(i + g) % len(members)]
            plan.append((conversation_id, token, f"m{i}", hosts[(i + g) % len(hosts)]))
    timings = {}
    failures = []
    local = threading.local()

    def send(item):
        conversation_id, token, body, host = item
        if not hasattr(local, "session"):
            local.session = requests.Session()
        started = time.monotonic()
        response = local.session.post(
            f"http://{host}/api/conversations/{conversation_id}/messages/",
            headers={"Authorization": f"Bearer {token}"}, json={"message_body": body})
        finished = time.monotonic()
        if response.status_code != 201:
            failures.append(response.status_code)
            return
        timings[response.json()["message_id"]] = (started, finished)

    began = time.monotonic()
    with ThreadPoolExecutor(SEND_THREADS) as pool:
        list(pool.map(send, plan))
    send_seconds = time.monotonic() - began
    outcome = results.get(timeout=300)
    receiver.join(30)

    after_response, after_request = [], []
    for message_id, received in outcome["log"]:
        if message_id in timings:
            started, finished = timings[message_id]
            after_response.append(max(0.0, received - finished) * 1000)
            after_request.append((received - started) * 1000)
    expected = len(timings) * MEMBERS
    return {
        "layer": label, "clients": len(urls), "sends": len(plan),
        "failed_sends": len(failures), "sends_per_s": len(plan) / send_seconds,
        "expected": expected, "delivered": len(outcome["log"]),
        "lost": expected - len(outcome["log"]), "order_errors": len(outcome["problems"]),
        "client_errors": len(outcome["errors"]),
        "p50_resp": percentile(after_response, 50), "p99_resp": percentile(after_response, 99),
        "p50_req": percentile(after_request, 50), "p99_req": percentile(after_request, 99),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 clients, 200 sends")
    args = parser.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("BENCH_DATABASE_URL")
    if not database_url:
        path = DATA_DIR / "realtime.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    setup_django(database_url)
    groups = seed(size["clients"])
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    rows_wanted = [("in-memory, 1 process", None, 1)]
    if redis_available(redis_url):
        rows_wanted += [("Redis, 1 process", redis_url, 1), ("Redis, 2 processes", redis_url, 2)]
    else:
        print(f"(Redis rows skipped: nothing answers at {redis_url})")
    print(f"{size['clients']} WebSocket clients, {len(groups)} conversations of {MEMBERS}, "
          f"{size['sends']} REST sends from {SEND_THREADS} threads, "
          f"database {database_url.split(':')[0]}")
    rows = []
    for label, url, processes in rows_wanted:
        servers = [start_server(database_url, url) for _ in range(processes)]
        try:
            rows.append(run_row(label, groups, size["sends"], servers))
        finally:
            for process, _ in servers:
                stop_server(process)
    base = rows[0]
    print()
    print("| layer | delivered / expected | lost | out of order | sends/s | "
          "p50 ms after response | p99 ms after response | p50 ms after request | "
          "p99 ms after request | p99 x in-memory |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(f"| {row['layer']} | {row['delivered']:,} / {row['expected']:,} | {row['lost']} "
              f"| {row['order_errors']} | {row['sends_per_s']:.0f} | {row['p50_resp']:.1f} "
              f"| {row['p99_resp']:.1f} | {row['p50_req']:.1f} | {row['p99_req']:.1f} "
              f"| {row['p99_req'] / base['p99_req']:.2f} |")
        if row["failed_sends"] or row["client_errors"]:
            print(f"  ({row['failed_sends']} failed sends, {row['client_errors']} client errors)")


if __name__ == "__main__":
    main()
