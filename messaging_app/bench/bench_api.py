#!/usr/bin/env python3
"""Benchmark the messaging API under gunicorn against a plain-Django baseline.

Run from the module folder (``make bench`` does)::

    python bench/bench_api.py            # 200 users, 2,000 conversations, 200,000 messages
    python bench/bench_api.py --quick    # 50 users, 200 conversations, 20,000 messages

What it does:

1. Seeds a SQLite database in ``bench/data/`` (or ``BENCH_DATABASE_URL``,
   e.g. ``postgres://postgres@127.0.0.1:5432/messaging_bench``, created if
   missing), once per size: users, conversations, and one "hot" conversation holding a
   tenth of all messages, so that page 500 exists (20 per page).
2. Starts gunicorn (2 sync workers) on 127.0.0.1 with throttling off.
3. Sends a fixed number of requests per scenario from a thread pool on
   loopback (new connection per request, as a sync worker closes it) and
   reports requests/s, p50/p99 latency, and the SQL queries each endpoint
   runs (counted in-process with Django's test client, JWT user lookup
   included, transaction control such as BEGIN/COMMIT left out).  The
   scenarios run in interleaved rounds; each row shows its median round.
4. Prints one table; ratios are against the baseline measured in the same
   run: a plain Django view that returns the same page with ``.values()``.

Targets, as ratios to the plain baseline in the same run: the conversation
list, message list page 1 and a send at 0.6x its requests/s or more; the deep
cursor page within 1.1x the newest cursor page's p50 latency; at most 3
queries for the conversation list and 4 for any endpoint.
"""
import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

MODULE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = MODULE_DIR / "bench"
DATA_DIR = BENCH_DIR / "data"
SECRET = "bench-only-secret-key-" + "x" * 40

SIZES = {
    "full": {"users": 200, "conversations": 2000, "messages": 200_000, "requests": 1000,
             "deep_page": 500},
    "quick": {"users": 50, "conversations": 200, "messages": 20_000, "requests": 200,
              "deep_page": 100},
}


def ensure_postgres_database(database_url: str) -> None:
    """Create the PostgreSQL database named in database_url if it is missing."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            print(f"bench: creating PostgreSQL database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def configure(database_url: str) -> None:
    """Point this process (and the server it starts) at the bench database."""
    if database_url.startswith(("postgres://", "postgresql://")):
        ensure_postgres_database(database_url)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": database_url,
        "DJANGO_THROTTLE_ANON": "off",
        "DJANGO_THROTTLE_USER": "off",
        "DJANGO_THROTTLE_SEND": "off",
        "DJANGO_SECURE_COOKIES": "0",
    })
    sys.path[:0] = [str(MODULE_DIR), str(BENCH_DIR)]
    import django

    django.setup()


def seed(size: dict, rng: random.Random) -> dict:
    """Create the data set unless it is already there; return ids to use."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from chats.models import Conversation, Message, User

    call_command("migrate", verbosity=0, interactive=False)
    if (User.objects.count() == size["users"]
            and Message.objects.count() >= size["messages"]):
        print(f"bench: reusing seeded data ({Message.objects.count():,} messages)")
    else:
        print(f"bench: seeding {size['users']} users, {size['conversations']:,} conversations, "
              f"{size['messages']:,} messages ...", flush=True)
        started = time.monotonic()
        Message.objects.all().delete()
        Conversation.objects.all().delete()
        User.objects.all().delete()
        password = make_password("bench-password")
        with transaction.atomic():
            users = User.objects.bulk_create([
                User(username=f"user{i:04d}", email=f"user{i:04d}@bench.test",
                     first_name=f"First{i}", last_name=f"Last{i}", password=password)
                for i in range(size["users"])])
            now = timezone.now()
            conversations = Conversation.objects.bulk_create([
                Conversation(title=f"bench {i}", created_at=now - timedelta(days=30))
                for i in range(size["conversations"])])
            through = Conversation.participants.through
            members, links = {}, []
            for i, conversation in enumerate(conversations):
                people = users[:2] if i == 0 else rng.sample(users, rng.choice((2, 2, 3, 4)))
                if i % 10 == 1:
                    people = list({users[0].pk: users[0], **{u.pk: u for u in people}}.values())
                members[conversation.pk] = people
                links += [through(conversation_id=conversation.pk, user_id=u.pk) for u in people]
            through.objects.bulk_create(links, batch_size=5000)
            hot_count = size["messages"] // 10
            start = now - timedelta(days=20)
            batch, made = [], 0
            for i in range(size["messages"]):
                if i < hot_count:
                    conversation = conversations[0]
                else:
                    conversation = conversations[1 + i % (len(conversations) - 1)]
                batch.append(Message(
                    conversation_id=conversation.pk, sender=rng.choice(members[conversation.pk]),
                    message_body=f"message {i} " + "lorem ipsum " * rng.randint(1, 8),
                    sent_at=start + timedelta(seconds=i * 5)))
                if len(batch) == 10_000:
                    Message.objects.bulk_create(batch)
                    made += len(batch)
                    batch = []
            Message.objects.bulk_create(batch)
            for conversation in conversations:
                conversation.last_activity_at = now - timedelta(minutes=rng.randint(0, 10_000))
            Conversation.objects.bulk_update(conversations, ["last_activity_at"], batch_size=1000)
        print(f"bench: seeded in {time.monotonic() - started:.1f}s", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        # Fresh planner statistics after bulk loads; on PostgreSQL also the
        # visibility map, so COUNT(*) can be an index-only scan.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    hot = Conversation.objects.get(title="bench 0")
    alice, bob = hot.participants.order_by("username")[:2]
    other = (Conversation.objects.filter(participants=alice).exclude(pk=hot.pk)
             .order_by("title").first())
    return {"hot": hot.pk, "alice": alice, "bob": bob, "send_to": other.pk}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    """Start gunicorn with 2 workers and wait until it answers."""
    command = [sys.executable, "-m", "gunicorn", "messaging_app.wsgi:application",
               "--workers", "2", "--bind", f"127.0.0.1:{port}", "--pythonpath",
               f"{MODULE_DIR},{BENCH_DIR}", "--log-level", "warning", "--timeout", "60"]
    server = subprocess.Popen(command, cwd=MODULE_DIR, env=os.environ.copy(),
                              start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(1.0)  # let both workers boot
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"gunicorn did not listen on 127.0.0.1:{port} within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def load(port, method, path, token, body, requests, concurrency):
    """Send requests and return (requests/s, p50 ms, p99 ms, non-2xx count)."""
    latencies, errors = [], []
    lock = threading.Lock()
    counter = iter(range(requests))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"

    def worker():
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            finally:
                conn.close()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if not 200 <= status < 300:
                    errors.append(status)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return requests / wall, statistics.median(latencies) * 1000, p99 * 1000, len(errors)


def count_queries(method, path, token, body) -> int:
    """Run one request in-process and count its SQL queries (JWT lookup included)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}") if token else Client()
    with CaptureQueriesContext(connection) as queries:
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, json.dumps(body), content_type="application/json")
    if response.status_code >= 300:
        raise RuntimeError(f"{method} {path} answered {response.status_code}")
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    return sum(1 for q in queries.captured_queries
               if not q["sql"].lstrip().upper().startswith(control))


def deep_cursor(path: str, token: str, pages: int) -> str:
    """Walk ``previous`` links from the newest page; return the path of page ``pages``."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = path + "?cursor=latest"
    for _ in range(pages - 1):
        url = client.get(url).json()["previous"]
        parts = urlsplit(url)
        url = f"{parts.path}?{parts.query}"
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data set, fewer requests")
    parser.add_argument("--requests", type=int, help="requests per scenario")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = dict(SIZES["quick" if args.quick else "full"])
    if args.requests:
        size["requests"] = args.requests
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    label = "quick" if args.quick else "full"
    database_url = os.environ.get("BENCH_DATABASE_URL",
                                  f"sqlite:///{DATA_DIR / f'bench-{label}.sqlite3'}")
    configure(database_url)
    from chats.auth import get_tokens_for_user

    ids = seed(size, random.Random(20240601))
    token = get_tokens_for_user(ids["alice"])["access"]
    hot = f"/api/conversations/{ids['hot']}/messages/"
    deep = size["deep_page"]
    scenarios = [
        ("baseline: plain view, page 1", "GET",
         f"/bench/baseline/conversations/{ids['hot']}/messages/?page=1", None, None),
        ("baseline + JWT/membership/count", "GET",
         f"/bench/baseline-auth/conversations/{ids['hot']}/messages/?page=1", token, None),
        ("conversation list", "GET", "/api/conversations/", token, None),
        ("message list, page 1", "GET", hot + "?page=1", token, None),
        (f"message list, page {deep}", "GET", hot + f"?page={deep}", token, None),
        ("message list, cursor newest", "GET", hot + "?cursor=latest", token, None),
        (f"message list, cursor page {deep}", "GET", deep_cursor(hot, token, deep), token, None),
        ("send (nested)", "POST", f"/api/conversations/{ids['send_to']}/messages/", token,
         {"message_body": "benchmark message"}),
    ]
    queries = {name: (count_queries(m, p, t, b) if not name.startswith("baseline") else "-")
               for name, m, p, t, b in scenarios}

    port = free_port()
    server = start_server(port)
    runs = {name: [] for name, *_ in scenarios}
    try:
        for _name, method, path, tok, body in scenarios:  # warm every code path first
            load(port, method, path, tok, body, 40, args.concurrency)
        # Rounds interleave the scenarios, so a burst of load from elsewhere on
        # the machine hits all of them alike; each row reports its median round.
        for _ in range(args.rounds):
            for name, method, path, tok, body in scenarios:
                runs[name].append(load(port, method, path, tok, body,
                                       size["requests"] // args.rounds, args.concurrency))
    finally:
        stop_server(server)
    rows = []
    for name, *_ in scenarios:
        middle = sorted(runs[name])[len(runs[name]) // 2]
        rows.append((name, middle[0], middle[1], middle[2], sum(r[3] for r in runs[name])))

    base_rps = rows[0][1]
    engine = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
    print()
    print(f"messaging_app API benchmark ({label}: {size['users']} users, "
          f"{size['conversations']:,} conversations, {size['messages']:,} messages; "
          f"{size['requests']} requests per row in {args.rounds} rounds, "
          f"{args.concurrency} client threads, "
          f"gunicorn 2 sync workers, {engine})")
    print(f"{'scenario':<34} {'req/s':>8} {'x baseline':>10} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'queries':>7} {'errors':>6}")
    for name, rps, p50, p99, bad in rows:
        print(f"{name:<34} {rps:>8.0f} {rps / base_rps:>10.2f} {p50:>8.1f} {p99:>8.1f} "
              f"{queries[name]!s:>7} {bad:>6}")
    by_name = {r[0]: r for r in rows}

    def ratio(name: str) -> float:
        return by_name[name][1] / base_rps

    deep_ratio = (by_name[f"message list, cursor page {deep}"][2]
                  / by_name["message list, cursor newest"][2])
    errors = sum(r[4] for r in rows)
    print()
    for name in ("conversation list", "message list, page 1", "send (nested)"):
        print(f"{name}: {ratio(name):.2f}x the baseline's req/s (target >= 0.6x)")
    print(f"cursor page {deep} vs newest page: {deep_ratio:.2f}x p50 latency (target <= 1.1x)")
    print(f"queries: conversation list {queries['conversation list']} (target <= 3), "
          f"most {max(q for q in queries.values() if q != '-')} (target <= 4); "
          f"non-2xx responses: {errors}")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
