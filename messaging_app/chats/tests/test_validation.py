"""Bad input is a 400 (never a 500), with a message and a stable code."""
import json
import uuid

from django.urls import reverse
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from chats.models import Conversation, Message, User
from chats.serializers import (ConversationMessageSerializer, ConversationSerializer,
                               MessageSerializer, UserSerializer)

from .base import ChatTestCase, make_user


class MessageValidationTests(ChatTestCase):
    def post(self, body, user=None):
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        return self.as_user(user or self.alice).post(url, body, format="json")

    def test_blank_and_whitespace_bodies_are_refused(self):
        for body in ("", "   ", "\n\t "):
            with self.subTest(body=body):
                response = self.post({"message_body": body})
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json()["code"], "invalid")
                self.assertIn("message_body", response.json()["errors"])

    def test_missing_body_is_refused(self):
        response = self.post({})
        self.assertEqual(response.status_code, 400)
        self.assertIn("message_body", response.json()["errors"])

    def test_body_is_trimmed(self):
        response = self.post({"message_body": "  hi there \n"})
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["message_body"], "hi there")

    def test_body_of_10000_characters_is_accepted_and_10001_refused(self):
        self.assertEqual(self.post({"message_body": "x" * 10_000}).status_code, 201)
        response = self.post({"message_body": "x" * 10_001})
        self.assertEqual(response.status_code, 400)
        self.assertIn("message_body", response.json()["errors"])

    def test_malformed_json_is_400(self):
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        response = self.as_user(self.alice).post(url, '{"message_body": "x"',
                                                 content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "parse_error")

    def test_lone_surrogate_is_400(self):
        url = reverse("conversation-messages-list", args=[self.conversation.pk])
        response = self.as_user(self.alice).post(url, '{"message_body": "\\ud800"}',
                                                 content_type="application/json")
        self.assertEqual(response.status_code, 400)

    def test_nul_character_in_body_is_400(self):
        self.assertEqual(self.post({"message_body": "a\x00b"}).status_code, 400)

    def test_flat_send_needs_an_existing_conversation(self):
        client = self.as_user(self.alice)
        response = client.post(reverse("message-list"), {"message_body": "hi"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("conversation", response.json()["errors"])
        response = client.post(reverse("message-list"),
                               {"message_body": "hi", "conversation": str(uuid.uuid4())},
                               format="json")
        self.assertEqual(response.status_code, 400)

    def test_edit_records_edited_at_and_keeps_conversation(self):
        url = reverse("message-detail", args=[self.message.pk])
        response = self.as_user(self.alice).patch(url, {"message_body": " edited "},
                                                  format="json")
        self.assertEqual(response.status_code, 200)
        self.message.refresh_from_db()
        self.assertEqual(self.message.message_body, "edited")
        self.assertIsNotNone(self.message.edited_at)
        self.assertEqual(self.message.conversation_id, self.conversation.pk)

    def test_delete_by_sender_blanks_the_message(self):
        # A soft delete: the body goes, the message keeps its seq.
        url = reverse("message-detail", args=[self.message.pk])
        self.assertEqual(self.as_user(self.alice).delete(url).status_code, 204)
        self.message.refresh_from_db()
        self.assertEqual(self.message.message_body, "")
        self.assertIsNotNone(self.message.deleted_at)
        self.assertEqual(self.message.seq, 1)


class ConversationValidationTests(ChatTestCase):
    def create(self, body, user=None):
        return self.as_user(user or self.alice).post(reverse("conversation-list"), body,
                                                     format="json")

    def test_needs_two_distinct_participants(self):
        for participants in ([], [str(self.alice.pk)], [str(self.alice.pk)] * 2):
            with self.subTest(participants=participants):
                response = self.create({"participants": participants})
                self.assertEqual(response.status_code, 400)
                self.assertIn("participants", response.json()["errors"])

    def test_unknown_ids_are_named(self):
        ghost = uuid.uuid4()
        response = self.create({"participants": [str(self.bob.pk), str(ghost)]})
        self.assertEqual(response.status_code, 400)
        self.assertIn(str(ghost), response.json()["errors"]["participants"][0])

    def test_malformed_ids_are_refused(self):
        response = self.create({"participants": ["not-a-uuid"]})
        self.assertEqual(response.status_code, 400)

    def test_requester_is_always_added(self):
        carol = make_user("carol")
        response = self.create({"participants": [str(self.bob.pk), str(carol.pk)]})
        self.assertEqual(response.status_code, 201)
        ids = {p["user_id"] for p in response.json()["participants"]}
        self.assertEqual(ids, {str(self.alice.pk), str(self.bob.pk), str(carol.pk)})

    def test_direct_conversation_is_returned_not_duplicated(self):
        first = self.create({"participants": [str(self.eve.pk)]})
        self.assertEqual(first.status_code, 201)
        again = self.create({"participants": [str(self.alice.pk)]}, user=self.eve)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["conversation_id"], first.json()["conversation_id"])
        self.assertEqual(Conversation.objects.filter(participants=self.eve).count(), 1)

    def test_conversations_say_whether_they_are_direct(self):
        direct = self.create({"participants": [str(self.eve.pk)]}).json()
        group = self.create({"participants": [str(self.eve.pk)], "title": "Plans"}).json()
        self.assertEqual((direct["direct"], direct["owner"]), (True, None))
        self.assertEqual((group["direct"], group["owner"]), (False, str(self.alice.pk)))
        listed = {c["conversation_id"]: c["direct"] for c in self.as_user(self.eve).get(
            reverse("conversation-list")).json()["results"]}
        self.assertEqual(listed, {direct["conversation_id"]: True,
                                  group["conversation_id"]: False})

    def test_add_and_remove_participants(self):
        client = self.as_user(self.alice)
        url = reverse("conversation-add-participants", args=[self.conversation.pk])
        response = client.post(url, {"participants": [str(self.eve.pk)]}, format="json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.conversation.participants.count(), 3)
        response = client.post(url, {"participants": [str(uuid.uuid4())]}, format="json")
        self.assertEqual(response.status_code, 400)
        url = reverse("conversation-remove-participant", args=[self.conversation.pk, self.eve.pk])
        self.assertEqual(client.delete(url).status_code, 204)
        self.assertEqual(client.delete(url).status_code, 404)
        self.assertFalse(self.conversation.participants.filter(pk=self.eve.pk).exists())

    def test_leaving_stops_access_and_last_one_out_deletes(self):
        url = reverse("conversation-leave", args=[self.conversation.pk])
        self.assertEqual(self.as_user(self.bob).post(url).status_code, 204)
        detail = reverse("conversation-detail", args=[self.conversation.pk])
        self.assertEqual(self.as_user(self.bob).get(detail).status_code, 403)
        self.assertEqual(self.as_user(self.alice).post(url).status_code, 204)
        self.assertFalse(Conversation.objects.filter(pk=self.conversation.pk).exists())

    def test_rename_and_delete(self):
        url = reverse("conversation-detail", args=[self.conversation.pk])
        response = self.as_user(self.bob).patch(url, {"title": "Plans"}, format="json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["title"], "Plans")
        self.conversation.refresh_from_db()
        self.assertEqual(self.conversation.title, "Plans")
        self.assertEqual(self.as_user(self.bob).delete(url).status_code, 403)  # not the owner
        self.assertEqual(self.as_user(self.alice).delete(url).status_code, 204)
        self.assertFalse(Conversation.objects.filter(pk=self.conversation.pk).exists())
        self.assertFalse(Message.objects.filter(pk=self.message.pk).exists())

    def test_detail_nests_recent_messages(self):
        response = self.as_user(self.bob).get(
            reverse("conversation-detail", args=[self.conversation.pk]))
        self.assertEqual([m["message_body"] for m in response.json()["messages"]], ["first"])


class UrlAndFilterValidationTests(ChatTestCase):
    def test_invalid_uuid_in_url_is_json_404(self):
        for url in ("/api/conversations/abc/", "/api/messages/123/",
                    "/api/conversations/abc/messages/", "/api/nope/"):
            with self.subTest(url=url):
                response = self.as_user(self.alice).get(url)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["code"], "not_found")

    def test_unknown_conversation_is_404(self):
        url = reverse("conversation-messages-list", args=[uuid.uuid4()])
        self.assertEqual(self.as_user(self.alice).get(url).status_code, 404)

    def test_bad_filter_values_are_400(self):
        client = self.as_user(self.alice)
        nested = reverse("conversation-messages-list", args=[self.conversation.pk])
        cases = [
            (reverse("message-list"), {"sent_after": "yesterday"}),
            (reverse("message-list"), {"start_date": "2024-13-45"}),
            (reverse("message-list"), {"sender": "nobody"}),
            (reverse("message-list"), {"conversation": "x"}),
            (reverse("message-list"), {"participant": "1"}),
            (nested, {"cursor": "garbage!"}),
            (nested, {"before": "not-a-uuid"}),
            (nested, {"after": str(uuid.uuid4())}),
            (nested, {"cursor": "", "page_size": "many"}),
            (nested, {"page_size": "many"}),
            (nested, {"page_size": "0"}),
            (reverse("message-list"), {"page_size": "-3"}),
            (reverse("conversation-list"), {"page_size": "many"}),
            (reverse("message-list"), {"search": "a\x00b"}),
        ]
        for url, params in cases:
            with self.subTest(params=params):
                response = client.get(url, params)
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn("code", response.json())
                if "page_size" in params and "cursor" not in params:
                    self.assertEqual(response.json()["errors"],
                                     {"page_size": ["A positive integer is required."]})

    def test_filters_select_messages(self):
        client = self.as_user(self.alice)
        carol = make_user("carol")
        other = Conversation.objects.create()
        other.participants.add(self.alice, carol)
        Message.objects.create(conversation=other, sender=carol, message_body="Tent or hotel?")

        def bodies(params):
            response = client.get(reverse("message-list"), params)
            self.assertEqual(response.status_code, 200, response.content)
            return sorted(m["message_body"] for m in response.json()["results"])

        self.assertEqual(bodies({"sender": str(carol.pk)}), ["Tent or hotel?"])
        self.assertEqual(bodies({"conversation": str(self.conversation.pk)}), ["first"])
        self.assertEqual(bodies({"participant": str(self.bob.pk)}), ["first"])
        self.assertEqual(bodies({"body": "TENT"}), ["Tent or hotel?"])
        self.assertEqual(bodies({"search": "firs"}), ["first"])
        self.assertEqual(bodies({"sent_after": "2000-01-01T00:00:00Z",
                                 "end_date": "2999-01-01T00:00:00Z"}),
                         ["Tent or hotel?", "first"])
        self.assertEqual(bodies({"sent_before": "2000-01-01T00:00:00Z"}), [])
        newest_first = client.get(reverse("message-list"), {"ordering": "-sent_at"}).json()
        self.assertEqual(newest_first["results"][0]["message_body"], "Tent or hotel?")


class RegistrationTests(ChatTestCase):
    def register(self, **overrides):
        body = {"username": "dora", "email": "dora@example.com", "first_name": "Dora",
                "last_name": "Explorer", "password": "a-long-unusual-passphrase"}
        body.update(overrides)
        return self.client.post(reverse("user-list"), body, format="json")

    def test_registers_with_hashed_password_never_returned(self):
        response = self.register()
        self.assertEqual(response.status_code, 201, response.content)
        self.assertNotIn("password", response.json())
        self.assertEqual(response.json()["role"], "guest")
        user = User.objects.get(username="dora")
        self.assertNotEqual(user.password, "a-long-unusual-passphrase")
        self.assertTrue(user.check_password("a-long-unusual-passphrase"))

    def test_weak_password_is_refused(self):
        for password in ("123", "password", "12345678901"):
            with self.subTest(password=password):
                response = self.register(password=password)
                self.assertEqual(response.status_code, 400)
                self.assertIn("password", response.json()["errors"])

    def test_email_must_be_unique_whatever_the_case(self):
        response = self.register(email=self.alice.email.upper())
        self.assertEqual(response.status_code, 400)
        self.assertIn("email", response.json()["errors"])

    def test_role_cannot_be_chosen_at_sign_up(self):
        response = self.register(role="admin")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(User.objects.get(username="dora").role, "guest")

    def test_me_shows_and_edits_own_private_fields(self):
        client = self.as_user(self.alice)
        self.assertEqual(client.get(reverse("user-me")).json()["email"], self.alice.email)
        response = client.patch(reverse("user-me"), {"phone_number": "+15550100"},
                                format="json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["phone_number"], "+15550100")
        response = client.patch(reverse("user-me"), {"email": self.bob.email}, format="json")
        self.assertEqual(response.status_code, 400)


class DateTimeFilterEdgeTests(ChatTestCase):
    def test_extreme_offsets_and_years_are_handled(self):
        client = self.as_user(self.alice)
        url = reverse("message-list")
        ok = client.get(url, {"sent_before": "5297-02-16T01:03:00.582102-18:37"})
        self.assertEqual(ok.status_code, 200, ok.content)
        self.assertEqual(ok.json()["count"], 1)
        for value in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"):
            with self.subTest(value=value):
                self.assertEqual(client.get(url, {"sent_after": value}).status_code, 400)


class FastRepresentationTests(ChatTestCase):
    """The hand-written to_representation methods match DRF's generic output."""

    @staticmethod
    def as_json(data):
        return json.loads(JSONRenderer().render(data))

    def generic(self, serializer_class, instance):
        serializer = serializer_class()
        return self.as_json(serializers.ModelSerializer.to_representation(serializer, instance))

    def test_user_message_and_conversation_match_drf(self):
        self.message.edited_at = self.message.sent_at
        self.message.save()
        self.assertEqual(self.as_json(UserSerializer(self.alice).data),
                         self.generic(UserSerializer, self.alice))
        for cls in (MessageSerializer, ConversationMessageSerializer):
            with self.subTest(serializer=cls.__name__):
                self.assertEqual(self.as_json(cls(self.message).data),
                                 self.generic(cls, self.message))
        conversation = self.conversation
        self.assertEqual(self.as_json(ConversationSerializer(conversation).data),
                         self.generic(ConversationSerializer, conversation))
