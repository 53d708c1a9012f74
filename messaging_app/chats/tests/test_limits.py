"""Abuse: who a client is for rate limits (failed logins: test_failed_logins)."""
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

