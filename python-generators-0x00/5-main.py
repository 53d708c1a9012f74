#!/usr/bin/env python3
"""Live updates demo: one process inserts users while this one streams them.

The follower starts first, then a writer process (``live_updates.py``) adds
``LIVE_COUNT`` users (default 5), one every ``LIVE_INTERVAL`` seconds
(default 0.3); each new row is printed as it arrives.  The stream ends when
all of them have arrived, or after ``LIVE_IDLE`` seconds without news
(default 2).  At the end (or on Ctrl-C) the demo deletes the users it added,
so user_data is left as it was.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import prodev_db

live_updates = __import__('live_updates')

count = int(os.environ.get("LIVE_COUNT", "5"))
interval = os.environ.get("LIVE_INTERVAL", "0.3")
idle = float(os.environ.get("LIVE_IDLE", "2"))
tag = f"{int(time.time())}.{os.getpid()}"
seen = 0
with prodev_db.clean_exit():
    stream = live_updates.follow_users(poll_interval=min(0.1, idle / 4),
                                       idle_timeout=idle)
    writer = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("live_updates.py")),
         "--count", str(count), "--interval", interval, "--tag", tag])
    try:
        for user in stream:
            seen += 1
            print(f"new user {seen}: {user}", flush=True)
            if seen == count:
                break
    finally:
        stream.close()
        writer.wait()
        live_updates.remove_tagged_users(tag)
print(f"followed {seen} new users; writer exited with {writer.returncode}")
sys.exit(0 if writer.returncode == 0 and seen == count else 1)
