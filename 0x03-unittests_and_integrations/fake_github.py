#!/usr/bin/env python3
"""A stand-in for the GitHub REST API on 127.0.0.1, for tests and demos.

``FakeGitHub`` serves fixed JSON payloads with the standard library's HTTP
server in a background thread.  Every ``https://api.github.com`` inside a
payload is rewritten to the server's own address (as a GitHub Enterprise
host would answer), so the URLs a client follows stay on loopback.  Paths it
does not know get GitHub's 404 body, ``{"message": "Not Found", ...}``.

Run as a script, it serves the fixtures until interrupted:

    python3 fake_github.py --port 8403
    python3 client.py google --api-url http://127.0.0.1:8403
"""
import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from fixtures import TEST_PAYLOAD

__all__ = ["FakeGitHub", "routes_for", "main"]

GITHUB_API = "https://api.github.com"
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"
NOT_FOUND = {"message": "Not Found",
             "documentation_url": "https://docs.github.com/rest"}


def routes_for(org_payload: Mapping, repos_payload: Any,
               org: str = "google") -> Dict[str, Any]:
    """Return the routes that serve one organisation and its repositories.

    The organisation answers at ``/orgs/<org>`` and the repository list at
    the path of the organisation's ``repos_url``.
    """
    return {
        "/orgs/{}".format(org): org_payload,
        urlsplit(org_payload["repos_url"]).path: repos_payload,
    }


class FakeGitHub:
    """Serve a mapping of URL paths to payloads over HTTP on 127.0.0.1.

    A payload is sent as JSON, except ``bytes``, which is sent as-is with a
    text/html type (to play a proxy's error page).  ``url`` is the API root
    to point a client at, and ``paths`` lists the paths requested, in order.
    Use it as a context manager, or call ``start`` and ``stop``.
    """

    def __init__(self, routes: Mapping[str, Any], port: int = 0) -> None:
        """Keep the routes; port 0 lets the system pick a free port."""
        self._routes = dict(routes)
        self._port = port
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self._bodies: Dict[str, Tuple[bytes, str]] = {}
        self._not_found = (json.dumps(NOT_FOUND).encode("utf-8"), JSON)
        self.url = ""
        self.paths: List[str] = []

    def start(self) -> "FakeGitHub":
        """Bind the socket, start serving in a daemon thread, return self."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            """Answer GET requests from the routes."""

            def do_GET(self) -> None:
                """Send the route's body, or GitHub's 404 body."""
                path = urlsplit(self.path).path
                fake.paths.append(path)
                status = 200
                if path not in fake._bodies:
                    status = 404
                body, kind = fake._bodies.get(path, fake._not_found)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the test output clean: log nothing."""

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self.url = "http://127.0.0.1:{}".format(self._server.server_port)
        for path, payload in self._routes.items():
            if isinstance(payload, bytes):
                self._bodies[path] = (payload, HTML)
            else:
                text = json.dumps(payload).replace(GITHUB_API, self.url)
                self._bodies[path] = (text.encode("utf-8"), JSON)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
            name="fake-github", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None

    def __enter__(self) -> "FakeGitHub":
        """Start the server."""
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        """Stop the server."""
        self.stop()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Serve the google fixtures on --port until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8403,
                        help="port on 127.0.0.1 (default 8403; 0 picks a "
                             "free one)")
    args = parser.parse_args(argv)
    org_payload, repos_payload = TEST_PAYLOAD[0][:2]
    fake = FakeGitHub(routes_for(org_payload, repos_payload), port=args.port)
    try:
        fake.start()
    except OSError as exc:
        print("fake_github.py: cannot listen on 127.0.0.1:{} ({}); pick "
              "another --port".format(args.port, exc.strerror),
              file=sys.stderr)
        return 1
    print("Serving the google fixtures at {} (Ctrl-C stops)"
          .format(fake.url), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
