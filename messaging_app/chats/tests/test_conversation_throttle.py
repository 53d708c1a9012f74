"""Conversation creation is throttled per user (scope ``conversation``)."""
from django.core.cache import cache
from django.urls import reverse

from .base import ChatTestCase, jwt_client, make_user
from .test_limits import with_rates
from .test_configuration import STRONG_KEY, run_django


class ConversationCreationThrottleTests(ChatTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()
        self.addCleanup(cache.clear)
        self.people = [make_user(f"person{n}") for n in range(6)]

    def create(self, client, *users):
        return client.post(reverse("conversation-list"),
                           {"participants": [str(u.pk) for u in users], "title": "Unsolicited"},
                           format="json")

    def test_a_user_creating_conversations_past_the_rate_gets_429(self):
        mallory = jwt_client(self.eve)
        with with_rates(conversation="3/hour"):
            codes = [self.create(mallory, person).status_code for person in self.people[:3]]
            refused = self.create(mallory, self.people[3])
            # Others still create theirs, and Eve still reads and writes.
            other = self.create(jwt_client(self.alice), self.people[4])
            listed = mallory.get(reverse("conversation-list"))
        self.assertEqual(codes, [201, 201, 201])
        self.assertEqual(refused.status_code, 429, refused.content)
        self.assertEqual(refused.json()["code"], "throttled")
        self.assertGreater(int(refused["Retry-After"]), 60)
        self.assertEqual(other.status_code, 201)
        self.assertEqual(listed.status_code, 200)

    def test_the_default_rate_is_thirty_an_hour(self):
        result = run_django("from django.conf import settings; print(settings.REST_FRAMEWORK"
                            "['DEFAULT_THROTTLE_RATES']['conversation'])",
                            DJANGO_SECRET_KEY=STRONG_KEY, DJANGO_ALLOWED_HOSTS="chat.example.com")
        self.assertEqual(result.stdout.strip(), "30/hour", result.stderr)
