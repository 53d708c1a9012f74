"""Failed-login limits, tested as attacks: what an attacker's guesses can and
cannot do (chats.accounts.login_limits)."""
import base64
from datetime import timedelta

from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory

from chats.http.exceptions import exception_handler
from chats.auth import get_tokens_for_user

from .base import PASSWORD, ChatTestCase, make_user

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
PAIR, ADDRESS, SLOWDOWN = 10, 50, 30


@override_settings(AXES_FAILURE_LIMIT=PAIR, LOGIN_ADDRESS_FAILURE_LIMIT=ADDRESS,
                   LOGIN_USERNAME_SLOWDOWN_AFTER=SLOWDOWN,
                   LOGIN_USERNAME_SLOWDOWN_MAX_SECONDS=60,
                   AXES_COOLOFF_TIME=timedelta(minutes=15))
class FailedLoginTests(ChatTestCase):
    def token(self, username="alice", password="wrong", address=ATTACKER):
        return self.client.post(reverse("token_obtain_pair"),
                                {"username": username, "password": password},
                                format="json", REMOTE_ADDR=address)

    def basic(self, username="alice", password="wrong", address=ATTACKER):
        """HTTP Basic as debug has it (not in the test settings' views):
        401 or 429 as the API would answer, 200 for a success."""
        raw = base64.b64encode(f"{username}:{password}".encode()).decode()
        request = Request(APIRequestFactory().get("/api/conversations/", REMOTE_ADDR=address,
                                                  HTTP_AUTHORIZATION=f"Basic {raw}"))
        try:
            BasicAuthentication().authenticate(request)
        except AuthenticationFailed as error:
            response = exception_handler(error, {"request": request})
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
            response.renderer_context = {}
            response.render()
            response.json = lambda: response.data
            return response
        return Response(status=200)

    def form(self, url, username="alice", password="wrong", address=ATTACKER):
        return self.client.post(url, {"username": username, "password": password},
                                format="multipart", REMOTE_ADDR=address)

    def guess(self, times, username="alice", address=ATTACKER):
        codes = {self.token(username, address=address).status_code for _ in range(times)}
        self.assertEqual(codes, {401}, f"{times} failures of {username} from {address}")

    def spray(self, times, username="alice", address=ATTACKER):
        """times failures, whether or not they reach a lockout."""
        codes = {self.token(username, address=address).status_code for _ in range(times)}
        self.assertLessEqual(codes, {401, 429})

    def assertLocked(self, response, at_most=None):
        self.assertEqual(response.status_code, 429, response.content[:300])
        self.assertEqual(response.reason_phrase, "Too Many Requests")
        wait = int(response["Retry-After"])
        self.assertGreater(wait, 0)
        if at_most is not None:
            self.assertLessEqual(wait, at_most)
        body = response.json()
        self.assertEqual(body["code"], "too_many_failed_logins")
        self.assertIn(f"{wait} seconds", body["detail"])
        return wait

    def age_failures(self, seconds):
        """Move every recorded failure seconds into the past."""
        for attempt in AccessAttempt.objects.all():
            attempt.attempt_time -= timedelta(seconds=seconds)
            attempt.save(update_fields=["attempt_time"])

    # A success clears only its own failures.

    def test_signing_in_to_ones_own_account_keeps_the_failures_on_the_victims(self):
        make_user("mallory")
        self.guess(PAIR - 1)
        self.assertEqual(self.token("mallory", PASSWORD).status_code, 200)
        # The tenth wrong guess for alice from this address locks it, right password included.
        self.assertLocked(self.token())
        self.assertLocked(self.token(password=PASSWORD))
        self.assertEqual(self.token("mallory", PASSWORD).status_code, 200)

    def test_a_success_clears_its_own_pairs_failures(self):
        self.guess(PAIR - 1, address=OWNER)
        self.assertEqual(self.token(password=PASSWORD, address=OWNER).status_code, 200)
        self.guess(PAIR - 1, address=OWNER)

    # The lockout is per (username, address): it cannot be turned on the owner.

    def test_ten_failures_from_an_attackers_address_lock_only_that_address(self):
        self.guess(PAIR - 1)
        wait = self.assertLocked(self.token())
        self.assertEqual(wait, 15 * 60)
        self.assertLocked(self.token(password=PASSWORD))
        self.assertEqual(self.token(password=PASSWORD, address=OWNER).status_code, 200)
        # Others behind the attacker's address still sign in.
        self.assertEqual(self.token("bob", PASSWORD).status_code, 200)

    def test_attempts_during_a_lockout_neither_count_nor_extend_it(self):
        self.spray(PAIR)
        self.age_failures(10 * 60)
        for _ in range(5):
            self.assertLocked(self.token(), at_most=5 * 60)
        self.age_failures(5 * 60 + 1)
        self.assertEqual(self.token(password=PASSWORD).status_code, 200)

    # One address guessing many usernames.

    def test_an_address_is_locked_after_fifty_failures_across_usernames(self):
        for n in range(ADDRESS // (PAIR - 1)):
            self.guess(PAIR - 1, username=f"name{n}")
        self.guess(ADDRESS % (PAIR - 1), username="last")
        self.assertLocked(self.token("bob", PASSWORD))
        self.assertEqual(self.token("bob", PASSWORD, address=OWNER).status_code, 200)

    # One username from many addresses.

    def test_a_username_attacked_from_many_addresses_gets_a_short_growing_cool_down(self):
        for n in range(SLOWDOWN // PAIR):
            self.guess(PAIR - 1, address=f"203.0.113.{n + 1}")
            self.guess(1, address=f"203.0.113.{n + 101}")
        # 30 failures: the owner waits a second, not 15 minutes...
        self.assertLocked(self.token(password=PASSWORD, address=OWNER), at_most=1)
        self.age_failures(1)
        self.assertEqual(self.token(password=PASSWORD, address=OWNER).status_code, 200)
        # ...and each further failure doubles it, up to a minute.
        self.guess(1, address="203.0.113.200")
        self.assertLocked(self.token(address="203.0.113.201"), at_most=2)
        for n in range(10):
            self.age_failures(60)
            self.guess(1, address=f"203.0.113.{210 + n}")
        self.assertLocked(self.token(password=PASSWORD, address=OWNER), at_most=60)
        self.age_failures(60)
        self.assertEqual(self.token(password=PASSWORD, address=OWNER).status_code, 200)

    # A signed-in user's password change.

    def change_password(self, old=PASSWORD, address=OWNER):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Bearer "
                           + get_tokens_for_user(self.alice)["access"])
        return client.post(reverse("user-password"),
                           {"old_password": old, "new_password": "a-new-passphrase-42"},
                           format="json", REMOTE_ADDR=address)

    def test_others_failures_never_lock_a_signed_in_users_password_change(self):
        self.spray(PAIR, address=OWNER)             # the pair (alice, her address)
        for n in range(ADDRESS // PAIR):           # her address
            self.spray(PAIR, username=f"name{n}", address=OWNER)
        for n in range(SLOWDOWN // PAIR):          # alice from many addresses
            self.spray(PAIR, address=f"203.0.113.{n + 1}")
        self.assertLocked(self.token(password=PASSWORD, address=OWNER))
        self.assertEqual(self.change_password().status_code, 200)

    def test_wrong_old_passwords_lock_the_password_change_from_any_address(self):
        for n in range(PAIR):
            self.assertEqual(self.change_password("wrong", f"198.51.100.{n}").status_code, 400)
        self.assertLocked(self.change_password())
        # They are the session's guesses, not logins: alice still signs in.
        self.assertEqual(self.token(password=PASSWORD, address=OWNER).status_code, 200)

    def test_a_login_cannot_write_under_the_password_changes_key(self):
        for _ in range(PAIR):
            self.token("password-change:alice")
        self.assertEqual(self.change_password().status_code, 200)

    # Every login path counts.

    def test_basic_auth_failures_count_and_lock(self):
        self.assertEqual({self.basic().status_code for _ in range(PAIR - 1)}, {401})
        self.assertLocked(self.basic())
        self.assertLocked(self.basic(password=PASSWORD))

    def test_failures_on_different_paths_add_up(self):
        for _ in range(3):
            self.assertEqual(self.basic().status_code, 401)
            self.assertEqual(self.form("/api-auth/login/").status_code, 200)  # form re-shown
            self.assertEqual(self.form("/admin/login/").status_code, 200)
        self.assertLocked(self.token())

    def test_the_login_forms_are_limited(self):
        for url in ("/api-auth/login/", "/admin/login/"):
            with self.subTest(url=url):
                AccessAttempt.objects.all().delete()
                for _ in range(PAIR - 1):
                    self.assertEqual(self.form(url).status_code, 200)
                self.assertLocked(self.form(url))
                self.assertLocked(self.form(url, password=PASSWORD))
