#!/usr/bin/env python3
"""Benchmark the CPU of one message send, in process, through the ASGI app.

Run from the module folder::

    python bench/bench_send.py                      # SQLite in bench/data/, 1,000 sends
    python bench/bench_send.py --redis-url redis://127.0.0.1:6379/9    # throttles in Redis
    python bench/bench_send.py --database-url postgres://postgres@127.0.0.1:5432/bench
    python bench/bench_send.py --sends 300          # quicker

What it does:

1. Migrates a fresh database (SQLite in ``bench/data/send.sqlite3`` unless
   ``--database-url``; a PostgreSQL database is flushed first) and makes two
   users in one conversation.
2. Calls the project's ASGI application directly, one request at a time (no
   socket, no server: what a request costs the process, middleware, Django's
   hand-off to the view's thread, DRF, the ORM, the throttles and the event
   publishing included): ``GET /healthz`` (one database query and, with
   Redis, one PING) as the baseline, then
   ``POST /api/conversations/<id>/messages/`` with a new ``Idempotency-Key``
   each time, alternated in rounds so that both see the same machine.
3. Prints CPU per request (the process's user + system time, all threads) as
   the mean, p50 and p99, and the send as a multiple of the baseline.

The throttles run at rates too high to refuse anything (they are counted, not
skipped): in Redis with ``--redis-url`` (as in production), else in memory.
No socket receives the events: the fan-out's cost is ``bench_realtime.py``'s.
"""
import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path

MODULE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = MODULE_DIR / "bench" / "data"


def configure(args) -> None:
    """Settings for this process, before Django is set up."""
    sys.path.insert(0, str(MODULE_DIR))
    database = args.database_url or f"sqlite:///{DATA_DIR / 'send.sqlite3'}"
    if not args.database_url:
        DATA_DIR.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DATA_DIR / 'send.sqlite3'}{suffix}").unlink(missing_ok=True)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "messaging_app.settings",
        "DJANGO_ENV_FILE": "",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database,
        "DJANGO_THROTTLE_SEND": "1000000/min",
        "DJANGO_THROTTLE_USER": "1000000/min",
    })
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
    else:
        os.environ.pop("REDIS_URL", None)


def prepare(args):
    """A migrated, empty database with two users in one conversation."""
    import django
    django.setup()
    from django.core.management import call_command
    if args.database_url:
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
    else:
        call_command("migrate", verbosity=0)
    from rest_framework_simplejwt.tokens import AccessToken

    from chats import services
    from chats.models import User
    users = [User.objects.create_user(username=f"bench_{name}", email=f"{name}@example.com",
                                      password=uuid.uuid4().hex, first_name=name.title(),
                                      last_name="Bench") for name in ("alice", "bob")]
    conversation, _ = services.create_conversation(creator=users[0], users=users)
    return conversation.pk, str(AccessToken.for_user(users[0]))


def request(method: str, path: str, token: str = "", body: bytes = b"", key: str = ""):
    """An ASGI HTTP scope and its receive callable."""
    headers = [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode())]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if body:
        headers.append((b"content-type", b"application/json"))
    if key:
        headers.append((b"idempotency-key", key.encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": headers,
             "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 40000)}
    events = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        if events:
            return events.pop()
        await asyncio.Event().wait()  # the client never disconnects
    return scope, receive


async def call(application, method, path, token="", body=b"", key="") -> float:
    """One request; returns its CPU seconds (process time) after checking its status."""
    scope, receive = request(method, path, token, body, key)
    statuses = []

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])
    start = time.process_time()
    await application(scope, receive, send)
    spent = time.process_time() - start
    expected = 201 if method == "POST" else 200
    if statuses != [expected]:
        raise SystemExit(f"{method} {path} answered {statuses}, expected {expected}")
    return spent


async def measure(conversation_id, token, sends: int, rounds: int = 5):
    from messaging_app.asgi import application
    path = f"/api/conversations/{conversation_id}/messages/"
    baseline, send = [], []
    for number in range(20):  # warm-up: imports, connections, caches
        await call(application, "GET", "/healthz")
        await call(application, "POST", path, token,
                   json.dumps({"message_body": f"warm {number}"}).encode(), uuid.uuid4().hex)
    per_round = max(1, sends // rounds)
    for _ in range(rounds):
        for _ in range(per_round):
            baseline.append(await call(application, "GET", "/healthz"))
        for number in range(per_round):
            body = json.dumps({"message_body": f"hello {number}"}).encode()
            send.append(await call(application, "POST", path, token, body, uuid.uuid4().hex))
    return baseline, send


def describe(label: str, samples: list, base: float | None = None) -> str:
    ordered = sorted(samples)
    mean = statistics.fmean(samples) * 1000
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    ratio = f"{mean / base:.1f}x" if base else "1.0x"
    return f"| {label} | {len(samples):,} | {mean:.2f} | {p50:.2f} | {p99:.2f} | {ratio} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=1000, help="measured sends (and baselines)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""),
                        help="count the throttles in this Redis (default: in memory)")
    args = parser.parse_args()
    configure(args)
    conversation_id, token = prepare(args)
    baseline, send = asyncio.run(measure(conversation_id, token, args.sends))
    engine = "PostgreSQL" if args.database_url else "SQLite"
    throttles = "Redis" if args.redis_url else "memory"
    print(f"{engine}, throttles in {throttles}; load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; CPU per request in ms")
    print("| request | count | mean | p50 | p99 | mean x baseline |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    base = statistics.fmean(baseline) * 1000
    print(describe("GET /healthz (baseline)", baseline))
    print(describe("POST a message with an Idempotency-Key", send, base))


if __name__ == "__main__":
    main()
