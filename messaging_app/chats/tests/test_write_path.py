"""Writes publish their events from ``chats.services``, after commit, once;
``chats.signals`` only guards writes made outside the services."""
import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models.signals import m2m_changed, post_save
from django.test import TestCase

from chats import services, signals
from chats.models import Conversation, Message
from chats.realtime.events import conversation_group, user_group

from .base import make_conversation, make_user


class Listener:
    """A channel in the (in-memory) channel layer, added to some groups."""

    def __init__(self, *groups):
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        for group in groups:
            async_to_sync(self.layer.group_add)(group, self.channel)

    def drain(self) -> list:
        """Every message waiting on the channel, oldest first."""
        return async_to_sync(self._drain)()

    async def _drain(self) -> list:
        received = []
        while True:
            try:
                received.append(await asyncio.wait_for(self.layer.receive(self.channel), 0.05))
            except TimeoutError:
                return received


class ServicesPublishTests(TestCase):
    """With the model signals disconnected, the services still publish."""

    def setUp(self):
        self.alice, self.bob, self.carol = make_user(), make_user(), make_user()
        self.conversation = make_conversation(self.alice, self.bob)
        for signal, handler, sender in (
                (post_save, signals.message_saved, Message),
                (m2m_changed, signals.participants_changed, Conversation.participants.through)):
            signal.disconnect(handler, sender=sender)
            self.addCleanup(signal.connect, handler, sender=sender)

    def events(self, listener) -> list:
        return [m["event"]["type"] if m["type"] == "chat.event" else m["type"]
                for m in listener.drain()]

    def test_send_edit_delete_publish_one_event_each(self):
        listener = Listener(conversation_group(self.conversation.pk))
        with self.captureOnCommitCallbacks(execute=True):
            message = services.send_message(conversation_id=self.conversation.pk,
                                            sender=self.alice, body="hi")
        with self.captureOnCommitCallbacks(execute=True):
            services.edit_message(message, "hello")
        with self.captureOnCommitCallbacks(execute=True):
            services.delete_message(message)
        self.assertEqual(self.events(listener),
                         ["message.created", "message.updated", "message.deleted"])

    def test_membership_changes_settle_the_owner_and_tell_the_users(self):
        listener = Listener(conversation_group(self.conversation.pk), user_group(self.carol.pk))
        with self.captureOnCommitCallbacks(execute=True):
            services.add_participants(self.conversation, [self.carol])
        self.assertEqual(self.events(listener), ["conversation.updated", "chat.membership"])
        with self.captureOnCommitCallbacks(execute=True):
            services.remove_participant(self.conversation, self.alice)
        self.conversation.refresh_from_db()
        self.assertEqual(self.conversation.owner, self.bob)
        self.assertEqual(self.events(listener), ["conversation.updated"])


class SignalGuardTests(TestCase):
    """A write outside the services publishes once too (through the signal)."""

    def test_a_shell_write_publishes_once(self):
        alice, bob = make_user(), make_user()
        conversation = make_conversation(alice, bob)
        listener = Listener(conversation_group(conversation.pk))
        with self.captureOnCommitCallbacks(execute=True):
            Message.objects.create(conversation=conversation, sender=alice, message_body="x")
        with self.captureOnCommitCallbacks(execute=True):
            services.send_message(conversation_id=conversation.pk, sender=alice, body="y")
        self.assertEqual(len([m for m in listener.drain()
                              if m["event"]["type"] == "message.created"]), 2)
