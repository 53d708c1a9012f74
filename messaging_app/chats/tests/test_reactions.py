"""Emoji reactions: once per person and emoji, idempotent both ways,
participants only, announced live over the socket."""
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from rest_framework.test import APIClient, APITestCase

from chats import services
from chats.models import Reaction

from .base import make_conversation, make_message, make_user
from channels.testing import WebsocketCommunicator
from messaging_app.asgi import application

TIMEOUT = 2


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(message, name="thumbs_up"):
    return reverse("message-reaction", args=[message.pk, name])


class ReactionApiTests(APITestCase):
    def setUp(self):
        self.alice, self.bob, self.eve = make_user("alice"), make_user("bob"), make_user("eve")
        self.conversation = make_conversation(self.alice, self.bob)
        self.message = make_message(self.conversation, self.bob, "lunch?")

    def test_adding_twice_stores_once_and_answers_201_then_200(self):
        first = client_for(self.alice).put(url(self.message))
        again = client_for(self.alice).put(url(self.message))
        self.assertEqual((first.status_code, again.status_code), (201, 200))
        self.assertEqual(Reaction.objects.count(), 1)
        self.assertEqual(again.data["reactions"], [{
            "name": "thumbs_up", "emoji": "\U0001F44D", "count": 1,
            "users": [{"user_id": str(self.alice.pk), "username": "alice",
                       "first_name": "Alice", "last_name": "Tester",
                       "full_name": "Alice Tester"}]}])

    def test_counts_and_who_per_emoji_in_the_pickers_order(self):
        client_for(self.bob).put(url(self.message, "heart"))
        client_for(self.alice).put(url(self.message, "thumbs_up"))
        client_for(self.bob).put(url(self.message, "thumbs_up"))
        response = client_for(self.alice).get(
            reverse("message-reactions", args=[self.message.pk]))
        self.assertEqual(
            [(r["name"], r["count"], [u["username"] for u in r["users"]])
             for r in response.data["reactions"]],
            [("thumbs_up", 2, ["alice", "bob"]), ("heart", 1, ["bob"])])

    def test_removing_is_idempotent(self):
        client_for(self.alice).put(url(self.message))
        self.assertEqual(client_for(self.alice).delete(url(self.message)).status_code, 204)
        self.assertEqual(client_for(self.alice).delete(url(self.message)).status_code, 204)
        self.assertEqual(Reaction.objects.count(), 0)

    def test_only_participants_react_or_read_reactions(self):
        client_for(self.alice).put(url(self.message))
        for response in (client_for(self.eve).put(url(self.message)),
                         client_for(self.eve).delete(url(self.message)),
                         client_for(self.eve).get(
                             reverse("message-reactions", args=[self.message.pk])),
                         client_for(self.eve).get(
                             reverse("conversation-reactions", args=[self.conversation.pk]),
                             {"from_seq": 1, "to_seq": 1})):
            self.assertEqual(response.status_code, 403)
            self.assertEqual(response.data["code"], "not_participant")
        self.assertEqual(Reaction.objects.count(), 1)
        self.assertEqual(APIClient().put(url(self.message)).status_code, 401)

    def test_an_unknown_emoji_is_a_404_naming_the_choices(self):
        response = client_for(self.alice).put(url(self.message, "skull"))
        self.assertEqual(response.status_code, 404)
        self.assertIn("thumbs_up", response.data["detail"])

    def test_a_deleted_message_takes_no_reactions_and_deleting_it_for_good_drops_them(self):
        client_for(self.alice).put(url(self.message))
        services.delete_message(self.message)
        self.assertEqual(client_for(self.bob).put(url(self.message, "heart")).status_code, 409)
        self.message.delete()
        self.assertEqual(Reaction.objects.count(), 0)

    def test_a_range_of_messages_at_once_by_seq(self):
        second = make_message(self.conversation, self.alice, "yes")
        make_message(self.conversation, self.alice, "no reactions")
        client_for(self.alice).put(url(self.message, "tada"))
        client_for(self.bob).put(url(second, "heart"))
        response = client_for(self.alice).get(
            reverse("conversation-reactions", args=[self.conversation.pk]),
            {"from_seq": 1, "to_seq": 3})
        self.assertEqual(response.status_code, 200)
        self.assertEqual({seq: [r["name"] for r in found]
                          for seq, found in response.data["reactions"].items()},
                         {"1": ["tada"], "2": ["heart"]})
        too_wide = client_for(self.alice).get(
            reverse("conversation-reactions", args=[self.conversation.pk]),
            {"from_seq": 1, "to_seq": 1000})
        self.assertEqual(too_wide.status_code, 400)
        self.assertIn("to_seq", too_wide.data["errors"])


@override_settings(CHANNEL_LAYERS={"default": {
    "BACKEND": "channels.layers.InMemoryChannelLayer"}})
class ReactionEventTests(TransactionTestCase):
    def setUp(self):
        async_to_sync(get_channel_layer().flush)()
        self.alice, self.bob = make_user("alice"), make_user("bob")
        self.conversation = make_conversation(self.alice, self.bob)

    async def connect(self, user):
        response = await sync_to_async(client_for(user).post)(
            reverse("ws-ticket"), {"since": {}}, format="json")
        socket = WebsocketCommunicator(
            application, f"/ws/events/?ticket={response.json()['ticket']}")
        connected, _ = await socket.connect(timeout=TIMEOUT)
        self.assertTrue(connected)
        self.assertEqual((await socket.receive_json_from(TIMEOUT))["type"], "ready")
        return socket

    async def test_adding_and_removing_are_announced_once_each(self):
        message = await sync_to_async(make_message)(self.conversation, self.bob, "hi")
        alice = await self.connect(self.alice)
        await sync_to_async(client_for(self.bob).put)(url(message, "joy"))
        await sync_to_async(client_for(self.bob).put)(url(message, "joy"))  # no change
        await sync_to_async(client_for(self.bob).delete)(url(message, "joy"))
        added = await alice.receive_json_from(TIMEOUT)
        removed = await alice.receive_json_from(TIMEOUT)
        self.assertEqual((added["type"], added["message_id"], added["seq"]),
                         ("reaction.updated", str(message.pk), message.seq))
        self.assertEqual([(r["name"], r["count"]) for r in added["reactions"]], [("joy", 1)])
        self.assertEqual(removed["reactions"], [])
        self.assertTrue(await alice.receive_nothing(0.3))
        await alice.disconnect()
