"""``manage.py serve``: the production server, one uvicorn process per core.

Before uvicorn starts, the soft open-files limit (``RLIMIT_NOFILE``) is raised
to the hard limit and both are logged: every WebSocket is a file descriptor,
and the usual soft limit of 1,024 would refuse the thousand-and-first socket.
Then this process becomes uvicorn (``exec``) with ``--workers`` = the number
of cores (``--workers N`` to change it; several processes need ``REDIS_URL``)
and these timeouts and limits:

- ``--timeout-keep-alive 5``: an idle keep-alive connection is closed after 5 s;
- ``--timeout-graceful-shutdown 30``: on SIGTERM, requests in progress get 30 s;
- ``--ws-ping-interval 20 --ws-ping-timeout 20``: a WebSocket whose peer stops
  answering pings is closed within 40 s;
- ``--ws-max-size 65536``: larger WebSocket frames close the socket;
- ``--ws-per-message-deflate false``: events are small JSON; compressing each
  frame for each socket cost CPU per delivery and about 40 KB per idle socket;
- ``--h11-max-incomplete-event-size 16384``: request heads over 16 KiB are refused;
- ``--backlog 2048``: connections waiting to be accepted;
- ``--no-access-log``: the app writes one access line per request, with its id.

uvicorn has no timeout for a client that sends its request head or body very
slowly; the proxy in front (which buffers requests) bounds those.
"""
import logging
import os
import resource
import sys

from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger(__name__)

SERVER_OPTIONS = [
    "--timeout-keep-alive", "5",
    "--timeout-graceful-shutdown", "30",
    "--ws-ping-interval", "20",
    "--ws-ping-timeout", "20",
    "--ws-max-size", "65536",
    "--ws-per-message-deflate", "false",
    "--h11-max-incomplete-event-size", "16384",
    "--backlog", "2048",
    "--no-server-header",
    "--no-access-log",
]


def raise_open_files_limit() -> tuple[int, int, int]:
    """Raise the soft RLIMIT_NOFILE to the hard one; return (before, after, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard
    if hard == resource.RLIM_INFINITY:
        target = max(soft, 1_048_576)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    after = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return soft, after, hard


def uvicorn_command(host: str, port: int, workers: int) -> list[str]:
    """The uvicorn command line this command runs."""
    return [sys.executable, "-m", "uvicorn", "messaging_app.asgi:application",
            "--host", host, "--port", str(port), "--workers", str(workers),
            *SERVER_OPTIONS]


class Command(BaseCommand):
    help = ("Serve in production: uvicorn, one process per core, the open-files limit "
            "raised to the hard limit, server timeouts set.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                            help="server processes (default: one per core)")
        parser.add_argument("--dry-run", action="store_true",
                            help="raise the limit and print the command, without serving")

    def handle(self, *args, host, port, workers, dry_run, **options):
        if workers < 1:
            raise CommandError(f"--workers must be at least 1, got {workers}")
        before, after, hard = raise_open_files_limit()
        message = (f"open files limit: soft {before} -> {after} (hard {hard}); "
                   f"{workers} worker process(es) on {host}:{port}")
        logger.warning(message)
        command = uvicorn_command(host, port, workers)
        if dry_run:
            self.stdout.write(" ".join(command))
            return
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, command)
