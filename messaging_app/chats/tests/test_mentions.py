"""Mentions: the server reads @username in a message body, stores who was
mentioned (members only), exposes it as ``mentions`` in responses and events,
and counts each member's unread mentions apart from unread messages."""
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import TransactionTestCase, override_settings
from django.urls import reverse

from chats.auth import get_tokens_for_user
from chats.services import named_usernames
from chats.models import Mention, Message
from messaging_app.asgi import application

from .base import ChatTestCase, jwt_client, make_conversation, make_user

LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


class NamedUsernamesTests(ChatTestCase):

    def test_names_are_read_in_order_once_and_without_punctuation(self):
        self.assertEqual(named_usernames("@Bob and @eve. Thanks @bob! (@dana-)"),
                         ["bob", "eve", "dana"])

    def test_an_email_address_or_a_lone_at_sign_names_nobody(self):
        self.assertEqual(named_usernames("mail bob@example.com or @ me"), [])


class MentionsTests(ChatTestCase):

    def setUp(self):
        super().setUp()
        self.group = make_conversation(self.alice, self.bob, self.eve, title="Team")

    def send(self, user, body, conversation=None):
        conversation = conversation or self.group
        response = jwt_client(user).post(
            reverse("conversation-messages-list", args=[conversation.pk]),
            {"message_body": body}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()

    def listed(self, user, conversation=None):
        conversation = conversation or self.group
        results = jwt_client(user).get(reverse("conversation-list")).json()["results"]
        return next(c for c in results if c["conversation_id"] == str(conversation.pk))

    def test_members_named_are_the_mentions_in_order_whatever_the_case(self):
        message = self.send(self.alice, "@EVE and @bob: lunch? cc @alice @nobody")
        self.assertEqual(message["mentions"], [str(self.eve.pk), str(self.bob.pk)])
        stored = Message.objects.get(pk=message["message_id"])
        self.assertEqual(stored.mentions, [str(self.eve.pk), str(self.bob.pk)])
        history = jwt_client(self.bob).get(
            reverse("conversation-messages-list", args=[self.group.pk])).json()["results"]
        self.assertEqual(history[-1]["mentions"], message["mentions"])

    def test_a_non_member_is_not_mentioned(self):
        dana = make_user("dana")
        message = self.send(self.alice, "@bob ask @dana", conversation=self.conversation)
        self.assertEqual(message["mentions"], [str(self.bob.pk)])
        self.assertFalse(Mention.objects.filter(user=dana).exists())

    def test_unread_mentions_are_counted_apart_and_clear_on_reading(self):
        self.send(self.alice, "@bob look")
        self.send(self.alice, "no one here")
        self.send(self.eve, "@Bob also this")
        bob = self.listed(self.bob)
        self.assertEqual((bob["unread_count"], bob["mention_count"]), (3, 2))
        self.assertEqual(self.listed(self.eve)["mention_count"], 0)
        detail = jwt_client(self.bob).get(reverse("conversation-detail",
                                                  args=[self.group.pk])).json()
        self.assertEqual(detail["mention_count"], 2)
        jwt_client(self.bob).post(reverse("conversation-read", args=[self.group.pk]),
                                  {"seq": 2}, format="json")
        self.assertEqual(self.listed(self.bob)["mention_count"], 1)

    def test_editing_changes_the_mentions_and_deleting_clears_them(self):
        message = self.send(self.alice, "@bob hi")
        url = reverse("conversation-messages-detail", args=[self.group.pk,
                                                            message["message_id"]])
        edited = jwt_client(self.alice).patch(url, {"message_body": "@eve hi"}, format="json")
        self.assertEqual(edited.json()["mentions"], [str(self.eve.pk)])
        self.assertEqual(self.listed(self.bob)["mention_count"], 0)
        self.assertEqual(self.listed(self.eve)["mention_count"], 1)
        self.assertEqual(jwt_client(self.alice).delete(url).status_code, 204)
        self.assertEqual(self.listed(self.eve)["mention_count"], 0)
        self.assertEqual(Message.objects.get(pk=message["message_id"]).mentions, [])


@override_settings(CHANNEL_LAYERS=LAYER)
class MentionEventTests(TransactionTestCase):

    async def test_the_created_event_carries_the_mentions(self):
        alice = await sync_to_async(make_user)("alice")
        bob = await sync_to_async(make_user)("bob")
        conversation = await sync_to_async(make_conversation)(alice, bob)
        access = (await sync_to_async(get_tokens_for_user)(bob))["access"]
        socket = WebsocketCommunicator(application, "/ws/events/",
                                       subprotocols=["messaging.jwt", access])
        self.assertTrue((await socket.connect(timeout=2))[0])
        self.assertEqual((await socket.receive_json_from(2))["type"], "ready")
        client = await sync_to_async(jwt_client)(alice)
        response = await sync_to_async(client.post)(
            reverse("conversation-messages-list", args=[conversation.pk]),
            {"message_body": "hey @bob"}, format="json")
        self.assertEqual(response.status_code, 201)
        event = await socket.receive_json_from(2)
        self.assertEqual((event["type"], event["message"]["mentions"]),
                         ("message.created", [str(bob.pk)]))
        await socket.disconnect()
