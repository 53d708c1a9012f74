"""Usernames that look alike are one username: NFKC, case folding and
Unicode TR39's confusables skeleton (chats.accounts.usernames)."""
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client, SimpleTestCase, TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from chats.accounts.usernames import skeleton, username_key
from chats.models import USERNAME_TAKEN, User
from chats.accounts.serializers import UserRegistrationSerializer

from .base import PASSWORD, MigrationTestCase, make_user

LOOK_ALIKES = {"upper case": "ALICE", "title case": "Alice",
               "Cyrillic a": "\u0430lice", "full-width": "\uff41\uff4c\uff49\uff43\uff45",
               "mathematical letters": "\U0001d51e\U0001d529\U0001d526\U0001d520\U0001d522",
               "Cyrillic capitals": "\u0410LIC\u0415"}


class UsernameKeyTests(SimpleTestCase):
    def test_tr39s_own_example(self):
        self.assertEqual(skeleton("\U0001d52d\U0001d4b6\u1eff\U0001d561\U0001d552\u2113"),
                         skeleton("paypal"))

    def test_look_alikes_share_a_key_and_different_names_do_not(self):
        for name, username in LOOK_ALIKES.items():
            with self.subTest(name):
                self.assertEqual(username_key(username), username_key("alice"))
        self.assertEqual(username_key("b0b"), username_key("BOB"))
        self.assertEqual(username_key("rnary"), username_key("mary"))
        for other in ("alicia", "al1ce", "alíce", "alice2", "bob"):
            with self.subTest(other=other):
                self.assertNotEqual(username_key(other), username_key("alice"))


class SignUpTests(TestCase):
    def setUp(self):
        self.alice = make_user("alice")

    def sign_up(self, username):
        return APIClient().post(reverse("user-list"), {
            "username": username, "email": f"{uuid.uuid4().hex}@example.com",
            "first_name": "A", "last_name": "B", "password": PASSWORD}, format="json")

    def test_look_alike_usernames_are_refused_at_sign_up(self):
        for name, username in LOOK_ALIKES.items():
            with self.subTest(name):
                response = self.sign_up(username)
                self.assertEqual(response.status_code, 400, response.content)
                error = response.json()["errors"]["username"]
                self.assertEqual(error, [USERNAME_TAKEN])
        self.assertEqual(list(User.objects.values_list("username", flat=True)), ["alice"])

    def test_a_different_username_signs_up(self):
        self.assertEqual(self.sign_up("alicia").status_code, 201)

    def test_a_look_alike_that_wins_a_race_past_the_check_is_a_400(self):
        serializer = UserRegistrationSerializer(data={
            "username": "bob", "email": "bob@example.com", "first_name": "B",
            "last_name": "C", "password": PASSWORD})
        self.assertTrue(serializer.is_valid(), serializer.errors)
        make_user("BOB")  # another sign-up, saved in between
        with self.assertRaises(Exception) as caught:
            serializer.save()
        self.assertEqual(caught.exception.detail["username"], [USERNAME_TAKEN])

    def test_the_database_refuses_a_look_alike_whatever_saves_it(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            User.objects.create(username="\u0430lice", email="x@example.com")
        with self.assertRaises(IntegrityError), transaction.atomic():
            User.objects.bulk_create([User(username="ALICE", email="y@example.com")])

    def test_a_rename_to_a_look_alike_is_refused(self):
        bob = make_user("bob")
        bob.username = "Alice"
        with self.assertRaises(ValidationError) as caught:
            bob.full_clean()
        self.assertEqual(caught.exception.message_dict["username"], [USERNAME_TAKEN])
        with self.assertRaises(IntegrityError), transaction.atomic():
            bob.save(update_fields=["username"])
        bob.username = "robert"
        bob.full_clean()
        bob.save(update_fields=["username"])
        self.assertEqual(User.objects.get(pk=bob.pk).username_key, "robert")

    def test_the_admin_refuses_a_rename_to_a_look_alike(self):
        admin = User.objects.create_superuser("root", "root@example.com", PASSWORD,
                                              first_name="R", last_name="T")
        client = Client()
        client.force_login(admin)
        bob = make_user("bob")
        url = reverse("admin:chats_user_change", args=[bob.pk])
        data = {"username": "\u0430lice", "first_name": "Bob", "last_name": "T",
                "email": bob.email, "role": "guest", "is_active": "on",
                "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"}
        response = client.post(url, data)
        self.assertEqual(response.status_code, 200)  # the form again, with the error
        self.assertEqual(response.context["adminform"].form.errors["username"],
                         [USERNAME_TAKEN])
        self.assertEqual(User.objects.get(pk=bob.pk).username, "bob")


class UsernameKeyMigrationTests(MigrationTestCase):
    """Migration 0011 keys existing accounts; look-alikes already there keep
    their usernames, the later ones under a key nobody can pick."""

    BEFORE = [("chats", "0010_conversation_owner")]
    AFTER = [("chats", "0011_user_username_key")]

    def test_existing_look_alikes_are_kept_with_distinct_keys(self):
        old = self.migrate(self.BEFORE)
        model = old.get_model("chats", "User")
        first, later, other = (model.objects.create(
            username=name, email=f"{n}@example.com", first_name="A", last_name="B")
            for n, name in enumerate(("alice", "\u0430LICE", "bob")))
        keyed = self.migrate(self.AFTER).get_model("chats", "User")
        keys = dict(keyed.objects.values_list("pk", "username_key"))
        self.assertEqual(keys, {first.pk: "alice", later.pk: f"alice#{later.pk}",
                                other.pk: "bob"})
        self.assertEqual(keyed.objects.get(pk=later.pk).username, "\u0430LICE")
        self.migrate_to_latest()
        with self.assertRaises(IntegrityError), transaction.atomic():
            make_user("ALICE")
