"""Signing keys: none shared between installations, none weak where it matters."""
import base64
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from django.test import SimpleTestCase, TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from .test_configuration import MODULE_DIR, STRONG_KEY, run_django

MAKE_TOKEN = ("from rest_framework_simplejwt.tokens import AccessToken; "
              "t = AccessToken(); t['user_id'] = 'someone'; print(t)")


def check_token(token: str) -> str:
    return ("from rest_framework_simplejwt.tokens import AccessToken; "
            "from rest_framework_simplejwt.exceptions import TokenError\n"
            f"try:\n    AccessToken({token!r}); print('accepted')\n"
            "except TokenError as e:\n    print('refused')")


class InstallationKeyTests(SimpleTestCase):
    """Debug without DJANGO_SECRET_KEY: a key made once per installation."""

    def key_file(self) -> str:
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder)
        return os.path.join(folder, ".secret_key")

    def run_debug(self, code, key_file):
        result = run_django(code, DJANGO_DEBUG="1", DJANGO_SECRET_KEY_FILE=key_file)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout.strip()

    def test_a_token_from_one_clone_is_refused_by_another(self):
        mine, theirs = self.key_file(), self.key_file()
        token = self.run_debug(MAKE_TOKEN, mine)
        self.assertEqual(self.run_debug(check_token(token), mine), "accepted")  # a restart
        self.assertEqual(self.run_debug(check_token(token), theirs), "refused")
        self.assertNotEqual(Path(mine).read_text(), Path(theirs).read_text())

    def test_the_key_file_is_private_strong_and_git_ignored(self):
        path = self.key_file()
        self.run_debug("print('started')", path)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        key = self.run_debug("from django.conf import settings; print(settings.SECRET_KEY)",
                             path)
        self.assertEqual(key, Path(path).read_text().strip())
        self.assertGreaterEqual(len(key), 50)
        ignored = subprocess.run(["git", "check-ignore", "-q", ".secret_key"], cwd=MODULE_DIR)
        self.assertEqual(ignored.returncode, 0, ".secret_key is not git-ignored")


class WeakKeyTests(SimpleTestCase):
    def assertRefused(self, result, *words):
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertIn("ImproperlyConfigured", result.stderr)
        for word in words:
            self.assertIn(word, result.stderr)

    def test_a_repeated_short_text_is_refused_in_production(self):
        for key in ("changeme" * 7, "abcde" * 12):
            with self.subTest(key=key[:10]):
                self.assertRefused(run_django(DJANGO_SECRET_KEY=key,
                                              DJANGO_ALLOWED_HOSTS="chat.example.com"),
                                   "DJANGO_SECRET_KEY", "repeated")

    def test_debug_with_a_weak_key_serves_loopback_only(self):
        for key in ("changeme" * 7, "django-insecure-" + STRONG_KEY):
            with self.subTest(key=key[:10]):
                self.assertRefused(run_django(DJANGO_DEBUG="1", DJANGO_SECRET_KEY=key,
                                              DJANGO_ALLOWED_HOSTS="localhost,chat.example.com"),
                                   "DJANGO_SECRET_KEY", "loopback")
                result = run_django(DJANGO_DEBUG="1", DJANGO_SECRET_KEY=key,
                                    DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1")
                self.assertIn("started", result.stdout, result.stderr)

    def test_debug_with_a_strong_key_may_name_any_host(self):
        result = run_django(DJANGO_DEBUG="1", DJANGO_SECRET_KEY=STRONG_KEY,
                            DJANGO_ALLOWED_HOSTS="chat.example.com")
        self.assertIn("started", result.stdout, result.stderr)


class BasicAuthenticationTests(TestCase):
    """HTTP Basic hashes a password on every request before any throttle
    runs: it is for curl in debug only."""

    CLASSES = ("from django.conf import settings; "
               "print(settings.REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'])")

    def test_only_debug_accepts_http_basic(self):
        production = run_django(self.CLASSES, DJANGO_SECRET_KEY=STRONG_KEY,
                                DJANGO_ALLOWED_HOSTS="chat.example.com")
        self.assertNotIn("BasicAuthentication", production.stdout, production.stderr)
        self.assertIn("JWTAuthentication", production.stdout)
        debug = run_django(self.CLASSES, DJANGO_DEBUG="1", DJANGO_SECRET_KEY=STRONG_KEY)
        self.assertIn("JWTAuthentication', 'rest_framework.authentication.SessionAuthentication"
                      "', 'rest_framework.authentication.BasicAuthentication']", debug.stdout,
                      debug.stderr)

    def test_outside_debug_basic_credentials_are_not_a_login(self):
        """(The test settings are not debug.)"""
        from .base import PASSWORD, make_user
        make_user("alice")
        raw = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
        response = APIClient().get(reverse("conversation-list"),
                                   HTTP_AUTHORIZATION=f"Basic {raw}")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response["WWW-Authenticate"], 'Bearer realm="api"')
