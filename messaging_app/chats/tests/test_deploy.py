"""The deployed service, from outside, as its users meet it.

Runs against a topology that is already up, named by the environment (the
CI's ``.ci/deploy-tests`` sets it after ``make deploy-up`` and after starting
the container), and skips with the reason otherwise:

    DEPLOY_URL      the service's address: https://localhost:8443 through
                    nginx, or http://127.0.0.1:PORT for the bare container
    DEPLOY_CAFILE   the certificate to trust for https:// (the self-signed one)
    DEPLOY_DIR      deploy/local.py's folder: its worker pid files allow the
                    worker kill (skipped without it)

Everything goes through the network, as a person's browser or app would:
sign up, sign in, chat over https:// and wss://; one worker killed with
SIGKILL mid-traffic while clients reconnect and resume with nothing lost;
1,000 slowloris connections while normal requests still answer within 1 s.
"""
import asyncio
import contextlib
import io
import json
import os
import signal
import ssl
import subprocess
import threading
import time
import uuid
from pathlib import Path

import requests
from django.test import SimpleTestCase, tag
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

URL = os.environ.get("DEPLOY_URL", "").rstrip("/")
CAFILE = os.environ.get("DEPLOY_CAFILE") or None
DEPLOY_DIR = Path(os.environ["DEPLOY_DIR"]) if os.environ.get("DEPLOY_DIR") else None
PASSWORD = "harbour-tulip-" + uuid.uuid4().hex[:8]
TIMEOUT = 10
RETRIED = (requests.ConnectionError, requests.Timeout)


class Person:
    """A user of the deployed service: signs up, signs in, sends, listens."""

    def __init__(self, name: str):
        self.username = f"{name}_{uuid.uuid4().hex[:8]}"
        self.session = requests.Session()
        answer = self.call("POST", "/api/users/", json={
            "username": self.username, "email": f"{self.username}@example.com",
            "first_name": name.title(), "last_name": "Deploy", "password": PASSWORD})
        assert answer.status_code == 201, answer.text
        self.user_id = answer.json()["user_id"]
        answer = self.call("POST", "/api/token/",
                           json={"username": self.username, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        self.session.headers["Authorization"] = f"Bearer {answer.json()['access']}"

    def call(self, method: str, path: str, retry_for: float = 0, **kwargs):
        """One request; connection failures and 502-504 are retried for retry_for seconds."""
        deadline = time.monotonic() + retry_for
        # Per request: a REQUESTS_CA_BUNDLE in the environment beats Session.verify.
        kwargs.setdefault("verify", CAFILE or True)
        while True:
            try:
                answer = self.session.request(method, URL + path, timeout=TIMEOUT, **kwargs)
                if answer.status_code not in (502, 503, 504) or time.monotonic() > deadline:
                    return answer
            except RETRIED:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)

    def send(self, conversation_id: str, body: str, key: str, retry_for: float = 0):
        return self.call("POST", f"/api/conversations/{conversation_id}/messages/",
                         retry_for=retry_for, json={"message_body": body},
                         headers={"Idempotency-Key": key})

    def socket(self, since=None):
        ticket = self.call("POST", "/api/ws-ticket/", retry_for=10, json={"since": since or {}})
        assert ticket.status_code == 201, ticket.text
        ws_url = URL.replace("https://", "wss://").replace("http://", "ws://")
        context = None
        if ws_url.startswith("wss://"):
            context = ssl.create_default_context(cafile=CAFILE)
        return connect(f"{ws_url}/ws/events/?ticket={ticket.json()['ticket']}",
                       ssl=context, open_timeout=TIMEOUT)


def next_event(ws, kind: str) -> dict:
    while True:
        event = json.loads(ws.recv(timeout=TIMEOUT))
        if event["type"] == kind:
            return event


class Listener(threading.Thread):
    """Bob's app: keeps a socket open on one conversation, reconnecting with
    ``since`` (the last seq it saw) whenever the socket drops."""

    def __init__(self, person: Person, conversation_id: str, expected: int, seconds: float):
        super().__init__(daemon=True)
        self.person, self.conversation_id = person, conversation_id
        self.expected, self.deadline = expected, time.monotonic() + seconds
        self.received = []  # (seq, body) in arrival order
        self.connections = 0
        self.errors = []
        self.ready = threading.Event()

    def last_seq(self) -> int:
        return max((seq for seq, _ in self.received), default=0)

    def run(self):
        while len({s for s, _ in self.received}) < self.expected and (
                time.monotonic() < self.deadline):
            try:
                with self.person.socket({self.conversation_id: self.last_seq()}) as ws:
                    self.connections += 1
                    self.ready.set()
                    while len({s for s, _ in self.received}) < self.expected:
                        event = json.loads(ws.recv(timeout=TIMEOUT))
                        if (event["type"] == "message.created"
                                and event["conversation"] == self.conversation_id):
                            self.received.append((event["seq"],
                                                  event["message"]["message_body"]))
            except (WebSocketException, OSError, TimeoutError, KeyError, AssertionError,
                    requests.RequestException) as error:
                # Whatever ends a socket or its handshake (a closed connection,
                # a refused or malformed handshake, a 502 while a worker
                # restarts): the app reconnects, as the chat page does.
                self.errors.append(f"{type(error).__name__}: {error}")
                time.sleep(0.2)
            except Exception as error:  # noqa: BLE001 - reported by the test, not lost
                self.errors.append(f"listener stopped: {type(error).__name__}: {error}")
                raise


def established_to(port: int) -> int:
    """How many TCP connections to 127.0.0.1:port are open now (ss)."""
    result = subprocess.run(["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
                            capture_output=True, text=True)
    return len(result.stdout.splitlines()) if result.returncode == 0 else 0


def live_pid(path: Path) -> int:
    try:
        pid = int(path.read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return 0


@tag("slow")
class DeployedServiceTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not URL:
            raise cls.skipTest(cls, "DEPLOY_URL is not set: no deployed service to test "
                                    "(make deploy-up, then DEPLOY_URL=https://localhost:8443 "
                                    "DEPLOY_CAFILE=.deploy/tls/cert.pem)")

    def conversation(self):
        alice, bob = Person("alice"), Person("bob")
        answer = alice.call("POST", "/api/conversations/", json={"participants": [bob.user_id]})
        self.assertIn(answer.status_code, (200, 201), answer.text)
        return alice, bob, str(answer.json()["conversation_id"])

    def test_sign_in_and_chat(self):
        alice, bob, conversation_id = self.conversation()
        with bob.socket() as ws:
            self.assertEqual(json.loads(ws.recv(timeout=TIMEOUT))["type"], "ready")
            answer = alice.send(conversation_id, "hello through the proxy", "hello-1")
            self.assertEqual(answer.status_code, 201, answer.text)
            # The request's id comes back (nginx's $request_id behind the proxy).
            self.assertRegex(answer.headers["X-Request-ID"], r"^[0-9A-Za-z._:-]{8,64}$")
            event = next_event(ws, "message.created")
            self.assertEqual((event["seq"], event["message"]["message_body"]),
                             (1, "hello through the proxy"))
        # The same key again is the same message, not a second one.
        again = alice.send(conversation_id, "hello through the proxy", "hello-1")
        self.assertEqual((again.status_code, again.json()["seq"]), (200, 1))
        if URL.startswith("https://"):
            secure = alice.call("GET", "/api/users/me/")
            self.assertEqual(secure.status_code, 200)
            # HTTPS as the app sees it (X-Forwarded-Proto): links it builds are https://.
            page = alice.call("GET", f"/api/conversations/{conversation_id}/messages/?page=1")
            self.assertEqual(page.json()["count"], 1)
            self.assertTrue(str(page.json().get("next") or URL).startswith("https://"))

    def test_a_worker_killed_mid_traffic_loses_nothing(self):
        if DEPLOY_DIR is None:
            self.skipTest("DEPLOY_DIR is not set: no worker pid files to kill one by")
        workers = sorted(DEPLOY_DIR.glob("web-*.worker.pid"))
        self.assertGreaterEqual(len(workers), 2, "the topology runs fewer than 2 workers")
        alice, bob, conversation_id = self.conversation()
        total, kill_after = 40, 12
        listener = Listener(bob, conversation_id, total, seconds=90)
        listener.start()
        self.assertTrue(listener.ready.wait(20), listener.errors)
        killed = restarted = None
        holder_found = False
        for number in range(1, total + 1):
            if number == kill_after:
                # The worker holding Bob's socket (the one long-lived connection
                # between sends), else the first.
                ports = {int(p.name.split("-")[1].split(".")[0]): p for p in workers}
                counts = {port: established_to(port) for port in ports}
                port = max(counts, key=counts.get)
                holder_found = counts[port] == 1 and sum(counts.values()) == 1
                killed = (port, live_pid(ports[port]))
                os.kill(killed[1], signal.SIGKILL)
            answer = alice.send(conversation_id, f"message {number}", f"key-{number}",
                                retry_for=30)
            self.assertIn(answer.status_code, (200, 201), answer.text)
        listener.join(60)
        seqs = [seq for seq, _ in listener.received]
        self.assertEqual(sorted(set(seqs)), list(range(1, total + 1)),
                         f"missing after the kill; socket errors: {listener.errors}")
        # Bob's socket was on the killed worker: it dropped, and he resumed with since.
        self.assertGreaterEqual(listener.connections, 2 if holder_found else 1,
                                listener.errors)
        self.assertEqual(len(seqs), total, "a message was delivered twice")
        self.assertEqual(dict(listener.received),
                         {n: f"message {n}" for n in range(1, total + 1)})
        # Stored once each: the retries with the same key made no copies.
        page = alice.call("GET", f"/api/conversations/{conversation_id}/messages/?page=1")
        self.assertEqual(page.json()["count"], total)
        # The dead worker is back (the supervisor's, systemd's Restart=always).
        port, pid = killed
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not restarted:
            now = live_pid(DEPLOY_DIR / f"web-{port}.worker.pid")
            restarted = now if now and now != pid else None
            time.sleep(0.2)
        self.assertIsNotNone(restarted, f"the worker on port {port} was not restarted")

    def test_slowloris_does_not_stop_normal_requests(self):
        if not URL.startswith("https://"):
            self.skipTest("slow clients are nginx's to stop: DEPLOY_URL is not the proxy")
        connections, open_seconds = 1000, 12
        host, port = URL.removeprefix("https://").split(":")
        port = int(port)
        context = ssl.create_default_context(cafile=CAFILE)
        outcome = {"opened": 0, "cut": 0, "failed": 0, "open_now": 0, "most_open": 0}

        async def slow_client(gate: asyncio.Semaphore):
            async with gate:
                try:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection(
                        host, port, ssl=context, server_hostname=host), 10)
                except (OSError, TimeoutError):
                    outcome["failed"] += 1
                    return
            outcome["opened"] += 1
            outcome["open_now"] += 1
            outcome["most_open"] = max(outcome["most_open"], outcome["open_now"])
            header = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 200
            started = time.monotonic()
            try:
                for byte in header:  # one byte every 0.25 s: never a whole header
                    if time.monotonic() - started > open_seconds:
                        break  # gave up: nginx did not cut it off
                    writer.write(bytes([byte]))
                    await writer.drain()
                    try:
                        await asyncio.wait_for(reader.read(1024), 0.25)
                        outcome["cut"] += 1  # closed (or an error status, then closed)
                        break
                    except TimeoutError:
                        pass
            except (OSError, ssl.SSLError):
                outcome["cut"] += 1
            finally:
                outcome["open_now"] -= 1
                writer.close()

        async def attack():
            gate = asyncio.Semaphore(100)  # handshakes at once
            await asyncio.gather(*(slow_client(gate) for _ in range(connections)))

        attacker = threading.Thread(target=lambda: asyncio.run(attack()), daemon=True)
        attacker.start()
        latencies = []
        deadline = time.monotonic() + 60
        while attacker.is_alive() and time.monotonic() < deadline:
            with requests.Session() as fresh:  # a new connection each time
                begin = time.monotonic()
                answer = fresh.get(f"{URL}/healthz", verify=CAFILE, timeout=5)
                latencies.append((round(time.monotonic() - begin, 3), outcome["open_now"]))
            self.assertEqual(answer.status_code, 200)
            time.sleep(0.3)
        attacker.join(5)
        self.assertFalse(attacker.is_alive(), "the slow clients did not finish in time")
        self.assertEqual(outcome["opened"], connections, outcome)
        # Normal requests while most of the slow connections were open.
        busy = [seconds for seconds, open_now in latencies if open_now >= connections // 2]
        self.assertTrue(busy, f"no request made with half the connections open: {latencies}")
        self.assertLess(max(seconds for seconds, _ in latencies), 1.0,
                        f"normal requests: {latencies}; slow clients: {outcome}")
        # nginx cut them off (client_header_timeout 5 s) before they gave up.
        self.assertGreater(outcome["cut"], connections * 0.9, outcome)


class DeployFilesTests(SimpleTestCase):
    """deploy/: the files agree with the app and with their tools."""

    deploy = Path(__file__).resolve().parents[2] / "deploy"

    def test_nginx_body_limit_is_the_apps(self):
        import re

        from django.conf import settings
        template = (self.deploy / "nginx" / "messaging.conf.template").read_text()
        limits = re.findall(r"^\s*client_max_body_size (\d+);", template, re.M)
        self.assertEqual(limits, [str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)])

    def test_rendered_nginx_configuration_passes_nginx_t(self):
        import shutil
        import tempfile
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                          else None)
        if nginx is None:
            self.skipTest("nginx is not installed (apt-get install nginx-light)")
        import importlib.util
        spec = importlib.util.spec_from_file_location("deploy_local", self.deploy / "local.py")
        local = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(local)
        with tempfile.TemporaryDirectory() as folder:
            os.environ["DEPLOY_DIR"], saved = folder, os.environ.get("DEPLOY_DIR")
            try:
                config = local.Config()
            finally:
                if saved is None:
                    del os.environ["DEPLOY_DIR"]
                else:
                    os.environ["DEPLOY_DIR"] = saved
            config.dir.mkdir(exist_ok=True)
            with contextlib.redirect_stdout(io.StringIO()):
                local.make_certificate(config)
            main = local.render_nginx(config)
            site = (config.dir / "messaging.conf").read_text()
            self.assertNotIn("${", site)
            result = subprocess.run([nginx, "-t", "-p", folder, "-c", str(main)],
                                    capture_output=True, text=True)
            self.assertEqual(result.returncode, 0, result.stderr)

    def test_timers_calendars_are_valid(self):
        import shutil
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed")
        import re
        for timer in sorted((self.deploy / "systemd").glob("*.timer")):
            with self.subTest(timer=timer.name):
                calendar = re.search(r"^OnCalendar=(.+)$", timer.read_text(), re.M)[1]
                result = subprocess.run(["systemd-analyze", "calendar", calendar],
                                        capture_output=True, text=True)
                self.assertEqual(result.returncode, 0, result.stderr)
                service = timer.with_suffix(".service").read_text()
                self.assertRegex(service, r"(?m)^ExecStart=\S+python manage\.py "
                                          r"(purge_expired|flushexpiredtokens)$")
