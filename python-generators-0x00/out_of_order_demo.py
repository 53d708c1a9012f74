#!/usr/bin/env python3
"""Two writers commit out of order: polling misses a row, the binlog does not.

Writer A inserts a user first (so its ``seq`` is the smaller one) but
commits last; writer B inserts and commits in between.  A polling follower
sees B's row, moves its position past it, and never sees A's.  A binlog
follower started at the same moment gets both, in commit order, each with
its position.  The demo deletes its two users at the end.

Needs a server with a row-based binlog (``../.ci/start-mariadb-binlog``
starts one on port 3307):

    MYSQL_PORT=3307 ../.venv/bin/python out_of_order_demo.py
"""
import contextlib
import io
import os
import sys

import prodev_db

live_updates = __import__('live_updates')
seed = __import__('seed')


def insert(connection, label, tag):
    """Insert one demo user without committing; return (email, seq)."""
    email = live_updates.TAGGED_EMAIL.format(tag=tag, number=label)
    cursor = connection.cursor()
    cursor.execute(seed.MYSQL_INSERT, (seed.new_user_id(), f"Writer {label}",
                                       email, 30))
    cursor.execute("SELECT LAST_INSERT_ID()")
    seq = cursor.fetchone()[0]
    cursor.close()
    return email, seq


def main():
    """Run both writers and followers; 0 when the binlog got both rows."""
    tag = f"order.{os.getpid()}"
    binlog = live_updates.follow_users(source="binlog", poll_interval=0.1,
                                       idle_timeout=1.0)
    with contextlib.redirect_stdout(io.StringIO()):   # "Table ... created"
        connection = seed.connect_db()
        seed.create_database(connection)
        connection.close()
        connection = seed.connect_to_prodev()
        seed.create_table(connection)
        connection.close()
    polling = live_updates.follow_users(poll_interval=0.05, idle_timeout=1.0)
    first, second = prodev_db.connect(), prodev_db.connect()
    try:
        early, early_seq = insert(first, "early", tag)
        print(f"writer A: INSERT {early} (seq {early_seq}), not committed")
        late, late_seq = insert(second, "late", tag)
        second.commit()
        print(f"writer B: INSERT {late} (seq {late_seq}), COMMIT")
        user = next(polling)
        print(f"polling:  got {user['email']}, now past seq {late_seq}")
        first.commit()
        print(f"writer A: COMMIT (seq {early_seq} is behind the polling "
              "position)")
        polled = [user["email"]] + [u["email"] for u in polling]
        print(f"polling:  nothing more; missed {early}"
              if early not in polled else "polling:  got both")
        print("binlog, in commit order:")
        logged = []
        for change in binlog:
            logged.append(change["email"])
            print(f"  {change.event} {change['email']} at {change.position}")
    finally:
        polling.close()
        binlog.close()
        first.close()
        second.close()
        live_updates.remove_tagged_users(tag)
    print(f"polling saw {len(polled)} of 2 new users; "
          f"the binlog saw {len(logged)} of 2")
    return 0 if logged == [late, early] else 1


if __name__ == "__main__":
    with prodev_db.clean_exit():
        sys.exit(main())
