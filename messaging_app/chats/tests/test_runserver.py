"""``pip install -r requirements.txt`` then ``python manage.py runserver``
serves HTTP and WebSockets, with the runtime requirements alone.

The venv is built once per content of ``requirements.txt`` under
``.runtime-venv/`` (git-ignored) beside ``manage.py``: the first run
downloads and installs (a few minutes), later runs reuse it.  pip reads its
usual environment (``PIP_CERT``, ``PIP_INDEX_URL``, ``PIP_FIND_LINKS``...).
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import requests
from django.test import TransactionTestCase, tag
from websockets.sync.client import connect

from chats.auth import get_tokens_for_user

from .base import make_conversation, make_user
from .servers import MODULE_DIR, RunserverProcess

REQUIREMENTS = MODULE_DIR / "requirements.txt"
VENVS = MODULE_DIR / ".runtime-venv"
TIMEOUT = 10


def runtime_venv() -> str:
    """The python of a venv holding exactly requirements.txt (built on first use)."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    home = VENVS / digest
    python = home / "bin" / "python"
    if python.exists():
        return str(python)
    VENVS.mkdir(exist_ok=True)
    building = tempfile.mkdtemp(prefix=f"{digest}-", dir=VENVS)
    try:
        # A venv records its own path, so it is built where it will live.
        shutil.rmtree(building)
        subprocess.run([sys.executable, "-m", "venv", building], check=True)
        os.rename(building, home)
        result = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)],
            capture_output=True, text=True)
        if result.returncode != 0:
            shutil.rmtree(home, ignore_errors=True)
            raise RuntimeError(f"pip install -r {REQUIREMENTS} failed:\n{result.stderr}")
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return str(python)


@tag("slow")
class RunserverWithRuntimeRequirementsTests(TransactionTestCase):
    """The curriculum's way to run the API, from a venv of requirements.txt only."""

    def test_runserver_serves_http_and_websockets(self):
        alice, bob = make_user("alice"), make_user("bob")
        conversation = make_conversation(alice, bob)
        server = RunserverProcess(runtime_venv())
        self.addCleanup(server.stop)
        access = get_tokens_for_user(alice)["access"]

        response = requests.get(f"{server.http}/api/conversations/", timeout=TIMEOUT,
                                headers={"Authorization": f"Bearer {access}"})
        self.assertEqual(response.status_code, 200, response.text)
        with connect(f"{server.ws}/ws/events/", open_timeout=TIMEOUT,
                     subprotocols=["messaging.jwt", access]) as ws:
            self.assertEqual(ws.subprotocol, "messaging.jwt")
            self.assertEqual(json.loads(ws.recv(timeout=TIMEOUT))["type"], "ready")
            sent = requests.post(
                f"{server.http}/api/conversations/{conversation.pk}/messages/",
                json={"message_body": "live"}, timeout=TIMEOUT,
                headers={"Authorization": f"Bearer {get_tokens_for_user(bob)['access']}"})
            self.assertEqual(sent.status_code, 201, sent.text)
            event = json.loads(ws.recv(timeout=TIMEOUT))
            self.assertEqual((event["type"], event["message"]["message_body"]),
                             ("message.created", "live"))
