#!/usr/bin/env python3
"""Benchmark message search (``GET /api/messages/search/``) at 200,000 messages.

Run from the module folder::

    python bench/bench_search.py                 # SQLite, bench/data/search.sqlite3
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt20bench \\
        python bench/bench_search.py             # PostgreSQL (database created if missing)
    python bench/bench_search.py --quick         # 20,000 messages

What it does:

1. Seeds the database once per size: 200 users, 2,000 conversations of 2 to
   4 people and one big conversation (a tenth of all messages) that the
   searcher is in; bodies of 3 to 20 words drawn from a 20,000-word
   vocabulary with Zipf frequencies (s = 1.1), as text is.
2. Runs each query a fixed number of times, round-robin, through the API
   in-process (Django's test client with the searcher authenticated: URL
   routing, validation, both SQL queries, the snippets and JSON; no
   network), and prints p50 and p99 per query in milliseconds with the
   number of hits on the first page and the first page's SQL.

The queries: the most common word (in three messages of four, as "the"), a mid word,
a rare one, two words, a prefix, the common word within one conversation
and a word nobody wrote.  Target: p99 under 50 ms for each.
"""
import argparse
import math
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

MODULE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = MODULE_DIR / "bench" / "data"
SIZES = {"full": {"users": 200, "conversations": 2000, "messages": 200_000, "runs": 200},
         "quick": {"users": 50, "conversations": 200, "messages": 20_000, "runs": 100}}
VOCABULARY = 20_000
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "pa", "de", "zu", "bri", "on",
             "el", "ar", "is", "um", "go", "fe", "ly"]


def configure(database_url: str) -> None:
    """Point this process at the bench database (created if missing)."""
    if database_url.startswith(("postgres://", "postgresql://")):
        sys.path.insert(0, str(MODULE_DIR / "bench"))
        from bench_api import ensure_postgres_database
        ensure_postgres_database(database_url)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "messaging_app.settings",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": database_url, "DJANGO_THROTTLE_USER": "off",
        "DJANGO_THROTTLE_ANON": "off",
    })
    sys.path.insert(0, str(MODULE_DIR))
    import django
    django.setup()


def vocabulary(rng: random.Random) -> list:
    """VOCABULARY distinct made-up words, most frequent first."""
    words, seen = [], set()
    while len(words) < VOCABULARY:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def seed(size: dict, rng: random.Random, words: list) -> None:
    """Create the data set unless it is already there."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from chats.models import Conversation, Message, User

    call_command("migrate", verbosity=0, interactive=False)
    if User.objects.count() == size["users"] and Message.objects.count() == size["messages"]:
        print(f"bench: reusing seeded data ({size['messages']:,} messages)")
    else:
        print(f"bench: seeding {size['messages']:,} messages ...", flush=True)
        started = time.monotonic()
        Message.objects.all().delete()
        Conversation.objects.all().delete()
        User.objects.all().delete()
        weights = [1 / (rank + 1) ** 1.1 for rank in range(len(words))]
        cumulative, total = [], 0.0
        for weight in weights:
            total += weight
            cumulative.append(total)
        with transaction.atomic():
            users = User.objects.bulk_create([
                User(username=f"searcher{i:03d}", email=f"s{i:03d}@bench.test",
                     first_name=f"First{i}", last_name=f"Last{i}", password="!")
                for i in range(size["users"])])
            conversations = Conversation.objects.bulk_create([
                Conversation(title=f"search bench {i}") for i in range(size["conversations"])])
            through = Conversation.participants.through
            members, links = {}, []
            for i, conversation in enumerate(conversations):
                people = users[:5] if i == 0 else rng.sample(users, rng.choice((2, 2, 3, 4)))
                members[conversation.pk] = people
                links += [through(conversation_id=conversation.pk, user_id=u.pk) for u in people]
            through.objects.bulk_create(links, batch_size=5000)
            start = timezone.now() - timedelta(days=60)
            batch = []
            for i in range(size["messages"]):
                conversation = (conversations[0] if i % 10 == 0
                                else conversations[1 + i % (len(conversations) - 1)])
                body = " ".join(rng.choices(words, cum_weights=cumulative,
                                            k=rng.randint(3, 20)))
                batch.append(Message(conversation_id=conversation.pk, message_body=body,
                                     sender=rng.choice(members[conversation.pk]),
                                     sent_at=start + timedelta(seconds=i * 20)))
                if len(batch) == 10_000:
                    Message.objects.bulk_create(batch)
                    batch = []
            Message.objects.bulk_create(batch)
        print(f"bench: seeded in {time.monotonic() - started:.1f}s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def percentile(values: list, fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 messages")
    args = parser.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    name = "quick" if args.quick else "full"
    database_url = os.environ.get("BENCH_DATABASE_URL",
                                  f"sqlite:///{DATA_DIR / f'search-{name}.sqlite3'}")
    configure(database_url)
    rng = random.Random(20)
    words = vocabulary(rng)
    seed(size, rng, words)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from chats.models import Conversation, User

    searcher = User.objects.get(username="searcher000")
    big = Conversation.objects.get(title="search bench 0")
    client = APIClient()
    client.force_authenticate(searcher)
    queries = [
        ("most common word", {"q": words[0]}),
        ("mid word (rank 100)", {"q": words[100]}),
        ("rare word (rank 5,000)", {"q": words[5000]}),
        ("two words", {"q": f"{words[1]} {words[30]}"}),
        ("prefix", {"q": words[50][:3] + "*"}),
        ("common word, one conversation", {"q": words[0], "conversation": str(big.pk)}),
        ("no such word", {"q": "qqqqzzzz"}),
    ]
    for _, params in queries:  # warm caches once
        client.get("/api/messages/search/", params)
    timings = {label: [] for label, _ in queries}
    for _ in range(size["runs"]):
        for label, params in queries:
            started = time.perf_counter()
            response = client.get("/api/messages/search/", params)
            timings[label].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
    print(f"\nSearch, {connection.vendor}, {size['messages']:,} messages, "
          f"{size['runs']} runs per query (searcher in "
          f"{searcher.conversations.count()} conversations)\n")
    print("| query | hits on page 1 | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    for label, params in queries:
        hits = len(client.get("/api/messages/search/", params).data["results"])
        print(f"| {label} | {hits} | {statistics.median(timings[label]):.1f} | "
              f"{percentile(timings[label], 0.99):.1f} |")
    with CaptureQueriesContext(connection) as captured:
        client.get("/api/messages/search/", queries[0][1])
    print("\nSQL of a page:")
    for query in captured.captured_queries:
        print(f"  {query['time']}s  {query['sql'][:160]}")


if __name__ == "__main__":
    main()
