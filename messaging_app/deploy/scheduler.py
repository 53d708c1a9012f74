#!/usr/bin/env python3
"""The two periodic jobs where there is no systemd: run each at start, then
every period, as ``deploy/systemd/*.timer`` do on a host.

    manage.py purge_expired        hourly  expired Idempotency-Key rows, tickets
    manage.py flushexpiredtokens   daily   expired refresh tokens

Used by ``make deploy-up`` (deploy/local.py) and by compose.yaml's scheduler
service.  Each run is one log line; a failing job is logged and tried again
at its next time.  SIGTERM stops it between runs.
"""
import signal
import subprocess
import sys
import time
from pathlib import Path

MODULE = Path(__file__).resolve().parent.parent
JOBS = (("purge_expired", 3600), ("flushexpiredtokens", 86400))


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    due = {name: 0.0 for name, _ in JOBS}
    while True:
        now = time.monotonic()
        for name, period in JOBS:
            if now >= due[name]:
                result = subprocess.run([sys.executable, "manage.py", name], cwd=MODULE,
                                        capture_output=True, text=True)
                output = " ".join((result.stdout + result.stderr).split())
                print(f"scheduler: {name} exited {result.returncode}"
                      f"{': ' + output if output else ''}", flush=True)
                due[name] = now + period
        time.sleep(max(1.0, min(due.values()) - time.monotonic()))


if __name__ == "__main__":
    main()
