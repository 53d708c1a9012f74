#!/usr/bin/env python3
"""Live updates demo: one process inserts users while this one streams them.

The follower starts first, then a writer process (``live_updates.py``) adds
``LIVE_COUNT`` users (default 5), one every ``LIVE_INTERVAL`` seconds
(default 0.3); each new row is printed as it arrives, and the stream ends
after ``LIVE_IDLE`` seconds without news (default 2).
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import prodev_db

follow_users = __import__('live_updates').follow_users

count = int(os.environ.get("LIVE_COUNT", "5"))
interval = os.environ.get("LIVE_INTERVAL", "0.3")
idle = float(os.environ.get("LIVE_IDLE", "2"))
seen = 0
with prodev_db.clean_exit():
    stream = follow_users(poll_interval=min(0.1, idle / 4),
                          idle_timeout=idle)
    writer = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("live_updates.py")),
         "--count", str(count), "--interval", interval,
         "--tag", f"{int(time.time())}.{os.getpid()}"])
    for user in stream:
        seen += 1
        print(f"new user {seen}: {user}", flush=True)
    writer.wait()
print(f"followed {seen} new users; writer exited with {writer.returncode}")
sys.exit(0 if writer.returncode == 0 and seen == count else 1)
