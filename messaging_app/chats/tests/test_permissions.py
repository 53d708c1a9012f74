"""The authorization matrix: who gets which status on every endpoint."""
from django.urls import reverse

from chats.models import Conversation

from .base import ChatTestCase, make_conversation, make_message, make_user

ANON, OUTSIDER, PARTICIPANT, SENDER, OWNER = (
    "anonymous", "outsider", "participant", "sender", "owner")
ROLES = (ANON, OUTSIDER, PARTICIPANT, SENDER, OWNER)


class AuthorizationMatrixTests(ChatTestCase):
    """Each cell builds fresh objects, so a delete in one cell cannot hide another.

    The roles: nobody signed in; Eve, in no conversation; Bob, a participant;
    Alice, a participant who sent the message; Carol, who made the group and
    owns it (and sent nothing).
    """

    def setUp(self):
        super().setUp()
        self.carol = make_user("carol")

    def actor(self, role):
        return {ANON: None, OUTSIDER: self.eve, PARTICIPANT: self.bob, SENDER: self.alice,
                OWNER: self.carol}[role]

    def fresh(self):
        """A new group Carol made with Alice and Bob, and a message Alice sent in it."""
        conversation = make_conversation(self.carol, self.alice, self.bob, owner=self.carol)
        return conversation, make_message(conversation, self.alice, "fresh")

    def check(self, method, url_of, expected, body=None):
        """Call url_of(conversation, message) as each role; assert each status."""
        for role, status_code in zip(ROLES, expected, strict=True):
            with self.subTest(method=method, url=url_of.__name__, role=role):
                conversation, message = self.fresh()
                url = url_of(conversation, message)
                data = body(conversation) if callable(body) else body
                response = getattr(self.as_user(self.actor(role)), method)(
                    url, data, format="json")
                self.assertEqual(response.status_code, status_code, response.content)
                if status_code >= 400:
                    self.assertIn("code", response.json())

    def test_conversation_endpoints(self):
        def conversation_list(c, m):
            return reverse("conversation-list")

        def conversation_detail(c, m):
            return reverse("conversation-detail", args=[c.pk])

        def participants(c, m):
            return reverse("conversation-add-participants", args=[c.pk])

        def remove_bob(c, m):
            return reverse("conversation-remove-participant", args=[c.pk, self.bob.pk])

        def remove_owner(c, m):
            return reverse("conversation-remove-participant", args=[c.pk, self.carol.pk])

        def leave(c, m):
            return reverse("conversation-leave", args=[c.pk])

        def owner(c, m):
            return reverse("conversation-hand-over", args=[c.pk])

        self.check("get", conversation_list, (401, 200, 200, 200, 200))
        # Eve and Carol each make a group of three (201); Bob makes the
        # Alice-Bob direct conversation (201); Alice then gets that same one back (200).
        self.check("post", conversation_list, (401, 201, 201, 200, 201),
                   body={"participants": [str(self.alice.pk), str(self.bob.pk)]})
        self.check("get", conversation_detail, (401, 403, 200, 200, 200))
        # Any participant renames and adds people; the owner alone deletes,
        # removes someone else and hands the group over; removing yourself is leaving.
        self.check("patch", conversation_detail, (401, 403, 200, 200, 200), body={"title": "T"})
        self.check("put", conversation_detail, (401, 403, 200, 200, 200), body={"title": "T"})
        self.check("delete", conversation_detail, (401, 403, 403, 403, 204))
        self.check("post", participants, (401, 403, 200, 200, 200),
                   body={"participants": [str(self.eve.pk)]})
        self.check("delete", remove_bob, (401, 403, 204, 403, 204))
        self.check("delete", remove_owner, (401, 403, 403, 403, 204))
        self.check("post", leave, (401, 403, 204, 204, 204))
        self.check("post", owner, (401, 403, 403, 403, 200),
                   body={"owner": str(self.bob.pk)})

    def test_owner_only_refusals_say_not_owner(self):
        conversation, _ = self.fresh()
        client = self.as_user(self.bob)
        for method, url, body in (
                ("delete", reverse("conversation-detail", args=[conversation.pk]), None),
                ("delete", reverse("conversation-remove-participant",
                                   args=[conversation.pk, self.alice.pk]), None),
                ("post", reverse("conversation-hand-over", args=[conversation.pk]),
                 {"owner": str(self.bob.pk)})):
            with self.subTest(method=method, url=url):
                response = getattr(client, method)(url, body, format="json")
                self.assertEqual(response.status_code, 403)
                self.assertEqual(response.json()["code"], "not_owner")
                self.assertIn("owner", response.json()["detail"])
        # An outsider hears that they are no participant, not that they are no owner.
        response = self.as_user(self.eve).delete(
            reverse("conversation-detail", args=[conversation.pk]))
        self.assertEqual(response.json()["code"], "not_participant")

    def test_nested_message_endpoints(self):
        def messages(c, m):
            return reverse("conversation-messages-list", args=[c.pk])

        def message(c, m):
            return reverse("conversation-messages-detail", args=[c.pk, m.pk])

        self.check("get", messages, (401, 403, 200, 200, 200))
        self.check("post", messages, (401, 403, 201, 201, 201), body={"message_body": "hi"})
        self.check("get", message, (401, 403, 200, 200, 200))
        self.check("put", message, (401, 403, 403, 200, 403), body={"message_body": "new"})
        self.check("patch", message, (401, 403, 403, 200, 403), body={"message_body": "new"})
        self.check("delete", message, (401, 403, 403, 204, 403))

    def test_flat_message_endpoints(self):
        def messages(c, m):
            return reverse("message-list")

        def message(c, m):
            return reverse("message-detail", args=[m.pk])

        self.check("get", messages, (401, 200, 200, 200, 200))
        self.check("post", messages, (401, 403, 201, 201, 201),
                   body=lambda c: {"conversation": str(c.pk), "message_body": "hi"})
        self.check("get", message, (401, 403, 200, 200, 200))
        self.check("put", message, (401, 403, 403, 200, 403), body={"message_body": "new"})
        self.check("patch", message, (401, 403, 403, 200, 403), body={"message_body": "new"})
        self.check("delete", message, (401, 403, 403, 204, 403))

    def test_user_endpoints(self):
        def users(c, m):
            return reverse("user-list")

        def me(c, m):
            return reverse("user-me")

        def user(c, m):
            return reverse("user-detail", args=[self.bob.pk])

        self.check("get", users, (401, 200, 200, 200, 200))
        self.check("get", me, (401, 200, 200, 200, 200))
        self.check("get", user, (401, 200, 200, 200, 200))


class DirectConversationRoleTests(ChatTestCase):
    """A direct conversation (two people, no title, made through the API) has
    no owner: either person deletes it (for both) or leaves it; neither removes
    the other or hands it over; nobody joins it (``test_direct_conversations``)."""

    def direct(self):
        """A fresh direct conversation that Alice started with Bob."""
        Conversation.objects.filter(
            direct_key=Conversation.direct_key_for(self.alice.pk, self.bob.pk)).delete()
        response = self.as_user(self.alice).post(
            reverse("conversation-list"), {"participants": [str(self.bob.pk)]}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertIsNone(response.json()["owner"])
        return Conversation.objects.get(pk=response.json()["conversation_id"])

    def call(self, user, method, name, args=(), body=None):
        conversation = self.direct()
        url = reverse(f"conversation-{name}", args=[conversation.pk, *args])
        return conversation, getattr(self.as_user(user), method)(url, body, format="json")

    def test_either_person_deletes_it_and_an_outsider_cannot(self):
        for user, status_code in ((self.eve, 403), (self.bob, 204), (self.alice, 204)):
            with self.subTest(user=user.username):
                _, response = self.call(user, "delete", "detail")
                self.assertEqual(response.status_code, status_code, response.content)

    def test_neither_removes_the_other_nor_hands_it_over(self):
        for user, other in ((self.alice, self.bob), (self.bob, self.alice)):
            with self.subTest(user=user.username):
                _, response = self.call(user, "delete", "remove-participant", [other.pk])
                self.assertEqual((response.status_code, response.json()["code"]),
                                 (403, "not_owner"))
                _, response = self.call(user, "post", "hand-over",
                                        body={"owner": str(other.pk)})
                self.assertEqual((response.status_code, response.json()["code"]),
                                 (403, "not_owner"))

    def test_either_person_renames_it_or_leaves_it(self):
        for user in (self.alice, self.bob):
            with self.subTest(user=user.username):
                _, response = self.call(user, "patch", "detail", body={"title": "Us"})
                self.assertEqual(response.status_code, 200)
                _, response = self.call(user, "post", "leave")
                self.assertEqual(response.status_code, 204)
                _, response = self.call(user, "delete", "remove-participant", [user.pk])
                self.assertEqual(response.status_code, 204)


class ScopingTests(ChatTestCase):
    """Lists show only what the requester may see."""

    def test_outsider_lists_are_empty(self):
        client = self.as_user(self.eve)
        self.assertEqual(client.get(reverse("conversation-list")).json()["count"], 0)
        self.assertEqual(client.get(reverse("message-list")).json()["count"], 0)

    def test_flat_list_holds_only_my_conversations(self):
        other = make_conversation(self.eve, self.bob)
        make_message(other, self.eve, "not for alice")
        bodies = [m["message_body"] for m in
                  self.as_user(self.alice).get(reverse("message-list")).json()["results"]]
        self.assertEqual(bodies, ["first"])

    def test_nested_detail_of_message_from_another_conversation_is_404(self):
        other = make_conversation(self.alice, self.eve)
        stray = make_message(other, self.eve, "elsewhere")
        url = reverse("conversation-messages-detail", args=[self.conversation.pk, stray.pk])
        self.assertEqual(self.as_user(self.alice).get(url).status_code, 404)

    def test_sender_is_taken_from_the_request_not_the_body(self):
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        response = self.as_user(self.bob).post(
            url, {"message_body": "spoof", "sender": str(self.alice.pk)}, format="json")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["sender"]["user_id"], str(self.bob.pk))

    def test_user_list_shows_public_fields_only(self):
        results = self.as_user(self.alice).get(reverse("user-list")).json()["results"]
        self.assertEqual(len(results), 3)
        for item in results:
            self.assertNotIn("email", item)
            self.assertNotIn("password", item)
            self.assertNotIn("phone_number", item)

    def test_user_search(self):
        response = self.as_user(self.alice).get(reverse("user-list"), {"search": "bo"})
        self.assertEqual([u["username"] for u in response.json()["results"]], ["bob"])

    def test_conversation_list_is_ordered_by_latest_activity(self):
        newer = make_conversation(self.alice, self.eve, title="newer")
        client = self.as_user(self.alice)
        client.post(reverse("conversation-messages-list", args=[newer.pk]),
                    {"message_body": "bump"}, format="json")
        ids = [c["conversation_id"] for c in client.get(reverse("conversation-list")).json()[
            "results"]]
        self.assertEqual(ids[0], str(newer.pk))
        client.post(reverse("conversation-messages-list", args=[self.conversation.pk]),
                    {"message_body": "bump"}, format="json")
        ids = [c["conversation_id"] for c in client.get(reverse("conversation-list")).json()[
            "results"]]
        self.assertEqual(ids[0], str(self.conversation.pk))
        first = client.get(reverse("conversation-list")).json()["results"][0]
        self.assertEqual(first["last_message"]["message_body"], "bump")
