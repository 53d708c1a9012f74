"""Sign-ups racing for one email or username (SQLite and PostgreSQL): one
account, the rest a 400; emails unique whatever their case in the database."""
from django.db import IntegrityError, transaction
from django.test import TransactionTestCase
from django.urls import reverse
from rest_framework.test import APIClient

from chats.models import User

from .base import PASSWORD, make_user
from .test_concurrent_sends import run_threads

RACERS = 8


class SignUpRaceTests(TransactionTestCase):
    def race(self, payloads):
        answers = []

        def sign_up(payload):
            client = APIClient(raise_request_exception=False)
            response = client.post(reverse("user-list"), payload, format="json")
            answers.append((response.status_code, response.json()))

        self.assertEqual(run_threads(sign_up, [(p,) for p in payloads]), [])
        return sorted(answers, key=lambda answer: answer[0])

    def payload(self, username, email):
        return {"username": username, "email": email, "first_name": "Sam",
                "last_name": "Racer", "password": PASSWORD}

    def test_one_email_in_any_case_makes_one_account(self):
        emails = ["sam@example.com", "SAM@example.com", "Sam@Example.com", "sAm@example.COM"]
        answers = self.race([self.payload(f"sam{i}", emails[i % len(emails)])
                             for i in range(RACERS)])
        self.assertEqual([status for status, _ in answers], [201] + [400] * (RACERS - 1))
        for _, body in answers[1:]:
            self.assertEqual(body["code"], "invalid")
            self.assertIn("email", body["errors"])
        self.assertEqual(User.objects.filter(email__iexact="sam@example.com").count(), 1)

    def test_one_username_makes_one_account(self):
        answers = self.race([self.payload("samuel", f"samuel{i}@example.com")
                             for i in range(RACERS)])
        self.assertEqual([status for status, _ in answers], [201] + [400] * (RACERS - 1))
        for _, body in answers[1:]:
            self.assertIn("username", body["errors"])
        self.assertEqual(User.objects.filter(username="samuel").count(), 1)


class EmailConstraintTests(TransactionTestCase):
    def test_the_database_refuses_an_email_differing_only_in_case(self):
        User.objects.create_user(username="dora", email="dora@example.com", password=PASSWORD,
                                 first_name="Dora", last_name="X")
        with self.assertRaises(IntegrityError), transaction.atomic():
            User.objects.create_user(username="dora2", email="DORA@example.com",
                                     password=PASSWORD, first_name="Dora", last_name="Y")

    def test_me_cannot_take_someone_elses_email_in_another_case(self):
        alice, bob = make_user("alice"), make_user("bob")
        client = APIClient()
        client.force_authenticate(bob)
        response = client.patch(reverse("user-me"), {"email": alice.email.upper()},
                                format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("email", response.json()["errors"])
