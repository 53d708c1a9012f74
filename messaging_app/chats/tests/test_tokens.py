"""JWT flow: obtain, use, refresh with rotation, logout, blacklisted reuse."""
import os
import subprocess
import sys
from pathlib import Path

import jwt
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from .base import PASSWORD, ChatTestCase

MODULE_DIR = Path(__file__).resolve().parents[2]


class TokenFlowTests(ChatTestCase):
    def obtain(self, username="alice", password=PASSWORD):
        return self.client.post(reverse("token_obtain_pair"),
                                {"username": username, "password": password}, format="json")

    def test_obtain_gives_tokens_with_claims(self):
        response = self.obtain()
        self.assertEqual(response.status_code, 200)
        claims = jwt.decode(response.json()["access"], options={"verify_signature": False})
        self.assertEqual(claims["user_id"], str(self.alice.pk))
        self.assertEqual(claims["email"], self.alice.email)
        self.assertEqual(claims["role"], "guest")

    def test_wrong_password_is_401(self):
        response = self.obtain(password="nope")
        self.assertEqual(response.status_code, 401)
        self.assertIn("code", response.json())

    def test_access_token_authenticates_and_garbage_does_not(self):
        client = APIClient()
        self.assertEqual(client.get(reverse("conversation-list")).status_code, 401)
        client.credentials(HTTP_AUTHORIZATION="Bearer " + self.obtain().json()["access"])
        self.assertEqual(client.get(reverse("conversation-list")).status_code, 200)
        client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
        response = client.get(reverse("conversation-list"))
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["code"], "token_not_valid")

    def test_refresh_rotates_and_old_refresh_is_refused(self):
        refresh = self.obtain().json()["refresh"]
        response = self.client.post(reverse("token_refresh"), {"refresh": refresh},
                                    format="json")
        self.assertEqual(response.status_code, 200)
        self.assertIn("access", response.json())
        self.assertNotEqual(response.json()["refresh"], refresh)
        again = self.client.post(reverse("token_refresh"), {"refresh": refresh}, format="json")
        self.assertEqual(again.status_code, 401)

    def test_logout_blacklists_the_refresh_token(self):
        refresh = self.obtain().json()["refresh"]
        response = self.client.post(reverse("token_logout"), {"refresh": refresh},
                                    format="json")
        self.assertEqual(response.status_code, 204)
        response = self.client.post(reverse("token_refresh"), {"refresh": refresh},
                                    format="json")
        self.assertEqual(response.status_code, 401)
        response = self.client.post(reverse("token_logout"), {"refresh": refresh},
                                    format="json")
        self.assertEqual(response.status_code, 401)

    def test_logout_needs_a_token(self):
        response = self.client.post(reverse("token_logout"), {}, format="json")
        self.assertEqual(response.status_code, 400)

    def test_session_login_page_exists(self):
        self.assertEqual(self.client.get("/api-auth/login/").status_code, 200)


class ThrottleTests(ChatTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()

    def tearDown(self):
        cache.clear()

    def test_sends_over_the_rate_get_429_with_retry_after(self):
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "send": "2/min"}
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        client = self.as_user(self.bob)
        with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK,
                                               "DEFAULT_THROTTLE_RATES": rates}):
            codes = [client.post(url, {"message_body": "x"}, format="json").status_code
                     for _ in range(3)]
            self.assertEqual(codes, [201, 201, 429])
            response = client.post(url, {"message_body": "x"}, format="json")
            self.assertEqual(response.json()["code"], "throttled")
            self.assertGreater(int(response["Retry-After"]), 0)
            # Reads are not sends.
            self.assertEqual(client.get(url).status_code, 200)

    def test_authenticated_requests_are_throttled_per_user(self):
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "2/min"}
        url = reverse("conversation-list")
        with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK,
                                               "DEFAULT_THROTTLE_RATES": rates}):
            bob = self.as_user(self.bob)
            self.assertEqual([bob.get(url).status_code for _ in range(3)], [200, 200, 429])
            # Another user has a budget of their own.
            self.assertEqual(self.as_user(self.alice).get(url).status_code, 200)

    def test_anonymous_requests_are_throttled(self):
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "1/min"}
        with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK,
                                               "DEFAULT_THROTTLE_RATES": rates}):
            self.client.post(reverse("token_obtain_pair"), {}, format="json")
            response = self.client.post(reverse("token_obtain_pair"), {}, format="json")
            self.assertEqual(response.status_code, 429)
            self.assertIn("Retry-After", response)


class SecretKeyTests(ChatTestCase):
    """Production refuses to start without a key; development and tests get one."""

    def run_django(self, **env):
        clean = {k: v for k, v in os.environ.items()
                 if k not in ("DJANGO_SECRET_KEY", "DJANGO_DEBUG")}
        return subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); print('started')"],
            cwd=MODULE_DIR, env={**clean, "DJANGO_SETTINGS_MODULE": "messaging_app.settings",
                                 "DJANGO_ENV_FILE": "", **env},
            capture_output=True, text=True, timeout=60)

    def test_production_without_key_refuses_to_start(self):
        result = self.run_django()
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SECRET_KEY", result.stderr)

    def test_debug_or_explicit_key_starts(self):
        self.assertIn("started", self.run_django(DJANGO_DEBUG="1").stdout)
        self.assertIn("started", self.run_django(
            DJANGO_SECRET_KEY="Vq3-" + "p8Zk2Lr9Tw4Mx7Nc" * 4,
            DJANGO_ALLOWED_HOSTS="chat.example.com").stdout)


class InactiveUserTests(ChatTestCase):
    """The JWT user lookup refuses an account deactivated after its token was issued."""

    def test_inactive_user_token_is_refused(self):
        from .base import jwt_client
        client = jwt_client(self.alice)
        self.alice.is_active = False
        self.alice.save(update_fields=["is_active"])
        self.assertEqual(client.get(reverse("conversation-list")).status_code, 401)
