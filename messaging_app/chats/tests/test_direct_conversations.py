"""A direct conversation stays closed to newcomers for its whole life.

Two people without a title make a direct conversation (``is_direct``, no
owner).  When one of them leaves, ``direct_key`` (the pair's uniqueness key)
is freed so that they can start a fresh one later, but the conversation
stays direct: nobody owns it and nobody joins it, through the API, the admin
or the shell, so the one left cannot show the pair's private history to a
third person.
"""
from django.db import transaction
from django.test import TestCase
from django.urls import reverse

from chats import services
from chats.models import Conversation

from .base import ChatTestCase, MigrationTestCase, make_conversation, make_user


def start_direct(client, other) -> dict:
    """POST a direct conversation with other; return the response's JSON."""
    response = client.post(reverse("conversation-list"), {"participants": [str(other.pk)]},
                           format="json")
    assert response.status_code in (200, 201), response.content
    return response.json()


class FormerDirectConversationTests(ChatTestCase):
    """Alice and Bob talk directly; Bob leaves; Alice is alone with the history."""

    def setUp(self):
        super().setUp()
        self.carol = make_user("carol")
        created = start_direct(self.as_user(self.alice), self.bob)
        self.direct = Conversation.objects.get(pk=created["conversation_id"])
        messages = reverse("conversation-messages-list", args=[self.direct.pk])
        for user, body in ((self.alice, "just between us"), (self.bob, "our secret")):
            response = self.as_user(user).post(messages, {"message_body": body}, format="json")
            self.assertEqual(response.status_code, 201, response.content)
        response = self.as_user(self.bob).post(reverse("conversation-leave",
                                                       args=[self.direct.pk]))
        self.assertEqual(response.status_code, 204)

    def members(self, conversation=None):
        conversation = conversation or self.direct
        return sorted(conversation.participants.values_list("username", flat=True))

    def add(self, user, *newcomers):
        return self.as_user(user).post(
            reverse("conversation-add-participants", args=[self.direct.pk]),
            {"participants": [str(u.pk) for u in newcomers]}, format="json")

    def test_the_one_left_cannot_show_the_history_to_someone_new(self):
        response = self.add(self.alice, self.carol)
        self.assertEqual(response.status_code, 403, response.content)
        self.assertEqual(response.json()["code"], "direct_conversation")
        self.assertEqual(self.members(), ["alice"])
        carol = self.as_user(self.carol)
        self.assertEqual(carol.get(reverse("conversation-detail",
                                           args=[self.direct.pk])).status_code, 403)
        history = carol.get(reverse("conversation-messages-list", args=[self.direct.pk]))
        self.assertEqual(history.status_code, 403)
        self.assertNotIn("our secret", history.content.decode())

    def test_the_one_who_left_is_not_added_back_either(self):
        response = self.add(self.alice, self.bob)
        self.assertEqual((response.status_code, response.json()["code"]),
                         (403, "direct_conversation"))
        self.assertEqual(self.members(), ["alice"])

    def test_it_stays_direct_with_no_owner_and_the_one_left_may_delete_it(self):
        self.direct.refresh_from_db()
        self.assertEqual((self.direct.is_direct, self.direct.direct_key, self.direct.owner_id),
                         (True, None, None))
        client = self.as_user(self.alice)
        detail = client.get(reverse("conversation-detail", args=[self.direct.pk])).json()
        self.assertEqual((detail["direct"], detail["owner"]), (True, None))
        listed = {c["conversation_id"]: (c["direct"], c["owner"]) for c in client.get(
            reverse("conversation-list"), {"page_size": 100}).json()["results"]}
        self.assertEqual(listed[str(self.direct.pk)], (True, None))
        response = client.post(reverse("conversation-hand-over", args=[self.direct.pk]),
                               {"owner": str(self.alice.pk)}, format="json")
        self.assertEqual((response.status_code, response.json()["code"]), (403, "not_owner"))
        response = client.delete(reverse("conversation-detail", args=[self.direct.pk]))
        self.assertEqual(response.status_code, 204)
        self.assertFalse(Conversation.objects.filter(pk=self.direct.pk).exists())

    def test_renaming_with_participants_in_the_body_adds_nobody(self):
        detail = reverse("conversation-detail", args=[self.direct.pk])
        for method in ("patch", "put"):
            with self.subTest(method=method):
                response = getattr(self.as_user(self.alice), method)(
                    detail, {"title": "Notes", "participants": [str(self.carol.pk)],
                             "owner": str(self.alice.pk)}, format="json")
                self.assertEqual(response.status_code, 200, response.content)
                self.assertEqual((response.json()["direct"], response.json()["owner"]),
                                 (True, None))
                self.assertEqual(self.members(), ["alice"])

    def test_the_pair_can_start_a_fresh_direct_conversation(self):
        fresh = start_direct(self.as_user(self.bob), self.alice)
        self.assertNotEqual(fresh["conversation_id"], str(self.direct.pk))
        self.assertEqual((fresh["direct"], fresh["owner"], fresh["last_seq"]), (True, None, 0))
        # Asking again returns the fresh one; the old one keeps Alice alone.
        again = self.as_user(self.alice).post(
            reverse("conversation-list"), {"participants": [str(self.bob.pk)]}, format="json")
        self.assertEqual((again.status_code, again.json()["conversation_id"]),
                         (200, fresh["conversation_id"]))
        self.direct.refresh_from_db()
        self.assertEqual((self.direct.is_direct, self.members()), (True, ["alice"]))

    def test_nobody_joins_through_the_shell_or_a_signal_either(self):
        """``participants.add`` from the conversation's side or the user's."""
        for join in (lambda: self.direct.participants.add(self.carol),
                     lambda: self.carol.conversations.add(self.direct),
                     lambda: self.direct.participants.set([self.alice, self.carol])):
            with self.subTest():
                # The shell's autocommit: the refused add rolls back on its own.
                with self.assertRaises(services.DirectConversationClosed), \
                        transaction.atomic():
                    join()
                self.assertEqual(self.members(), ["alice"])
        self.direct.refresh_from_db()
        self.assertIsNone(self.direct.owner_id)

    def test_the_conversation_updated_event_says_it_is_direct(self):
        from chats.payloads import conversation_updated_event
        event = conversation_updated_event(self.direct.pk, [self.alice.pk], direct=True)
        self.assertIs(event["direct"], True)
        self.assertIs(conversation_updated_event(self.direct.pk, [])["direct"], False)


class DirectConversationOutsideTheApiTests(ChatTestCase):
    """The admin and the shell follow the same rule as the API."""

    def setUp(self):
        super().setUp()
        self.carol = make_user("carol")
        self.direct, _ = services.create_conversation(creator=self.alice,
                                                      users=[self.alice, self.bob])

    def test_a_removal_outside_the_api_frees_the_key_and_keeps_it_direct(self):
        self.direct.participants.remove(self.bob)  # the admin's form, the shell
        self.direct.refresh_from_db()
        self.assertEqual((self.direct.is_direct, self.direct.direct_key, self.direct.owner_id),
                         (True, None, None))
        fresh = start_direct(self.as_user(self.bob), self.alice)
        self.assertNotEqual(fresh["conversation_id"], str(self.direct.pk))

    def test_a_group_made_outside_the_api_still_takes_newcomers(self):
        group = make_conversation(self.alice, self.bob)  # untitled, but not direct
        group.participants.add(self.carol)
        self.assertEqual(group.participants.count(), 3)
        self.assertFalse(Conversation.objects.get(pk=group.pk).is_direct)


class DirectConversationAdminTests(TestCase):
    """The admin's change form refuses newcomers with a form error, not a 500."""

    def setUp(self):
        self.root = make_user("root", is_staff=True, is_superuser=True, role="admin")
        self.alice, self.bob, self.carol = (make_user(n) for n in ("alice", "bob", "carol"))
        self.direct, _ = services.create_conversation(creator=self.alice,
                                                      users=[self.alice, self.bob])
        self.client.force_login(self.root)

    def post_members(self, *members):
        url = reverse("admin:chats_conversation_change", args=[self.direct.pk])
        return self.client.post(url, {
            "title": "", "created_at_0": "2026-01-01", "created_at_1": "00:00:00",
            "last_activity_at_0": "2026-01-01", "last_activity_at_1": "00:00:00",
            "participants": [str(u.pk) for u in members]})

    def test_the_change_form_refuses_someone_new(self):
        for members in ((self.alice, self.bob, self.carol), (self.alice, self.carol)):
            with self.subTest(members=[u.username for u in members]):
                response = self.post_members(*members)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "direct conversation")
                self.assertEqual(sorted(self.direct.participants.values_list(
                    "username", flat=True)), ["alice", "bob"])

    def test_the_change_form_may_remove_one_of_the_two(self):
        response = self.post_members(self.alice)
        self.assertEqual(response.status_code, 302)
        self.direct.refresh_from_db()
        self.assertEqual((self.direct.is_direct, self.direct.direct_key, self.direct.owner_id),
                         (True, None, None))
        self.assertEqual(list(self.direct.participants.values_list("username", flat=True)),
                         ["alice"])

    def test_the_pages_show_whether_a_conversation_is_direct(self):
        changelist = self.client.get(reverse("admin:chats_conversation_changelist"))
        self.assertContains(changelist, "field-is_direct")
        change = self.client.get(reverse("admin:chats_conversation_change",
                                         args=[self.direct.pk]))
        self.assertContains(change, "field-is_direct")
        self.assertNotContains(change, 'name="is_direct"')


class DirectKindMigrationTests(MigrationTestCase):
    """Migrations 0017/0018 record which conversations are direct: those with a
    key, and untitled lone-member ones whose history names at most two people
    (as a direct conversation left by one of them does)."""

    BEFORE = [("chats", "0016_user_last_seen_at")]
    AFTER = [("chats", "0018_mark_direct_conversations")]

    def test_marks_direct_conversations_and_restores_owners_on_the_way_back(self):
        old = self.migrate(self.BEFORE)
        user_model, conversation_model, message_model, marker_model = (
            old.get_model("chats", name)
            for name in ("User", "Conversation", "Message", "ReadMarker"))
        ann, ben, cat, dan = (user_model.objects.create(
            username=name, username_key=name, email=f"{name}@example.com", first_name=name,
            last_name="T") for name in ("ann", "ben", "cat", "dan"))

        def conversation(*members, title="", key=None, owner=None, senders=(), readers=()):
            made = conversation_model.objects.create(title=title, direct_key=key,
                                                     owner=owner, last_seq=len(senders))
            for member in members:
                made.participants.add(member)
            for seq, sender in enumerate(senders, 1):
                message_model.objects.create(conversation=made, sender=sender, seq=seq,
                                             message_body=f"m{seq}")
            for reader in readers:
                marker_model.objects.create(conversation=made, user=reader, last_read_seq=1)
            return made

        direct = conversation(ann, ben, key=f"{ann.pk}:{ben.pk}", senders=[ann, ben])
        # Ben left Ann's direct conversation: the key was cleared, Ann owns it.
        former = conversation(ann, owner=ann, senders=[ann, ben])
        former_silent = conversation(cat, owner=cat, readers=[dan])
        lonely = conversation(dan, owner=dan)
        # Groups: a title, three people in the history, three members.
        titled = conversation(ann, title="Trip", owner=ann, senders=[ann, ben])
        crowded = conversation(ann, owner=ann, senders=[ann, ben], readers=[cat])
        group = conversation(ann, ben, cat, owner=ben, senders=[ann])
        pair = conversation(ann, ben, owner=ann)  # untitled, made in the shell

        self.migrate(self.AFTER)
        rows = {pk: (is_direct, owner) for pk, is_direct, owner in
                Conversation.objects.values_list("pk", "is_direct", "owner")}
        self.assertEqual(rows, {
            direct.pk: (True, None), former.pk: (True, None), former_silent.pk: (True, None),
            lonely.pk: (True, None), titled.pk: (False, ann.pk), crowded.pk: (False, ann.pk),
            group.pk: (False, ben.pk), pair.pk: (False, ann.pk)})

        old = self.migrate(self.BEFORE)
        conversation_model = old.get_model("chats", "Conversation")
        rows = dict(conversation_model.objects.values_list("pk", "owner"))
        self.assertEqual(rows, {
            direct.pk: None, former.pk: ann.pk, former_silent.pk: cat.pk, lonely.pk: dan.pk,
            titled.pk: ann.pk, crowded.pk: ann.pk, group.pk: ben.pk, pair.pk: ann.pk})
        self.assertEqual(conversation_model.objects.get(pk=direct.pk).direct_key,
                         f"{ann.pk}:{ben.pk}")
