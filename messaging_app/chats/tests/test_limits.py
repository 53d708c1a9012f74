"""Abuse: who a client is for rate limits, and limits on failed logins."""
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from .base import ChatTestCase


def with_rates(**rates):
    """override_settings for DRF throttle rates (the others unchanged)."""
    merged = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}
    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK,
                                             "DEFAULT_THROTTLE_RATES": merged})


class ClientAddressTests(ChatTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        self.addCleanup(cache.clear)

    def test_x_forwarded_for_does_not_reset_the_anonymous_limit(self):
        url = reverse("token_obtain_pair")
        with with_rates(anon="2/min"):
            codes = [self.client.post(url, {}, format="json",
                                      HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
                     for i in range(3)]
        self.assertEqual(codes, [400, 400, 429])

    def test_trusted_proxies_name_the_client_from_x_forwarded_for(self):
        url = reverse("token_obtain_pair")
        rest = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1,
                "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK[
                    "DEFAULT_THROTTLE_RATES"], "anon": "1/min"}}
        with override_settings(REST_FRAMEWORK=rest):
            first = self.client.post(url, {}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.1")
            other = self.client.post(url, {}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.2")
            again = self.client.post(url, {}, format="json",
                                     HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.1")
        self.assertEqual([first.status_code, other.status_code, again.status_code],
                         [400, 400, 429])


LIMIT = 3


@override_settings(AXES_FAILURE_LIMIT=LIMIT)
class FailedLoginLimitTests(ChatTestCase):
    """Every login path counts failures toward one limit per username and per
    client address; the failure that reaches it and every later attempt get
    429 with Retry-After, even with the right password."""

    def token(self, username="alice", password="wrong", **extra):
        return self.client.post(reverse("token_obtain_pair"),
                                {"username": username, "password": password},
                                format="json", **extra)

    def basic(self, username="alice", password="wrong", **extra):
        import base64
        raw = base64.b64encode(f"{username}:{password}".encode()).decode()
        return self.client.get(reverse("conversation-list"),
                               HTTP_AUTHORIZATION=f"Basic {raw}", **extra)

    def form(self, url, username="alice", password="wrong", **extra):
        return self.client.post(url, {"username": username, "password": password},
                                format="multipart", **extra)

    def assertLocked(self, response):
        self.assertEqual(response.status_code, 429, response.content[:300])
        self.assertGreater(int(response["Retry-After"]), 0)
        body = response.json()
        self.assertEqual(body["code"], "too_many_failed_logins")
        self.assertTrue(body["detail"])

    def test_token_view_locks_a_username_after_the_limit(self):
        codes = [self.token().status_code for _ in range(LIMIT - 1)]
        self.assertEqual(codes, [401] * (LIMIT - 1))
        self.assertLocked(self.token())
        # The right password does not get through either, from anywhere.
        from .base import PASSWORD
        self.assertLocked(self.token(password=PASSWORD, REMOTE_ADDR="198.51.100.7"))
        # Another account from another client is not affected.
        self.assertEqual(self.token("bob", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code,
                         200)

    def test_one_client_guessing_many_usernames_is_locked(self):
        for name in ("u1", "u2"):
            self.assertEqual(self.token(name).status_code, 401)
        self.assertLocked(self.token("u3"))
        # The same username from another client still gets its own answer.
        self.assertEqual(self.token("u3", REMOTE_ADDR="198.51.100.7").status_code, 401)

    def test_basic_auth_failures_count_and_lock(self):
        self.assertEqual([self.basic().status_code for _ in range(LIMIT - 1)],
                         [401] * (LIMIT - 1))
        self.assertLocked(self.basic())
        self.assertLocked(self.basic())

    def test_failures_on_different_paths_add_up(self):
        self.assertEqual(self.basic().status_code, 401)
        self.assertEqual(self.form("/api-auth/login/").status_code, 200)  # form re-shown
        self.assertLocked(self.token())

    def test_browsable_api_login_is_limited(self):
        for _ in range(LIMIT - 1):
            self.assertEqual(self.form("/api-auth/login/").status_code, 200)
        self.assertLocked(self.form("/api-auth/login/"))

    def test_admin_login_is_limited(self):
        for _ in range(LIMIT - 1):
            self.assertEqual(self.form("/admin/login/").status_code, 200)
        self.assertLocked(self.form("/admin/login/"))

    def test_success_resets_the_count(self):
        from .base import PASSWORD
        for _ in range(LIMIT - 1):
            self.token()
        self.assertEqual(self.token(password=PASSWORD).status_code, 200)
        self.assertEqual([self.token().status_code for _ in range(LIMIT - 1)],
                         [401] * (LIMIT - 1))
