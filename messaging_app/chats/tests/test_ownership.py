"""Conversation owners: who owns what, and how ownership moves.

Who may do what is the authorization matrix (``test_permissions``); these
tests follow the owner through creation, leaving, hand-over, a direct
conversation (which never gets one), and account deletion.
"""
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chats import services
from chats.models import Conversation

from .base import ChatTestCase, MigrationTestCase, jwt_client, make_conversation, make_user
from .test_queries import MAX_CONVERSATION_LIST_QUERIES


class OwnershipTests(ChatTestCase):
    def setUp(self):
        super().setUp()
        self.carol, self.dave = make_user("carol"), make_user("dave")

    def owner_of(self, conversation):
        return Conversation.objects.values_list("owner", flat=True).get(pk=conversation.pk)

    def shown_owner(self, user, conversation):
        """The owner as the list and the detail show it to user (they must agree)."""
        client = self.as_user(user)
        listed = {c["conversation_id"]: c["owner"] for c in client.get(
            reverse("conversation-list"), {"page_size": 100}).json()["results"]}
        detail = client.get(reverse("conversation-detail", args=[conversation.pk])).json()
        self.assertEqual(listed[str(conversation.pk)], detail["owner"])
        return detail["owner"]

    def group(self):
        """Carol's group: Alice joined with her, Bob later, Dave last."""
        group = make_conversation(self.carol, self.alice, title="Trip", owner=self.carol)
        group.participants.add(self.bob)
        group.participants.add(self.dave)
        return group

    def test_the_creator_owns_a_group_everywhere_it_is_shown(self):
        response = self.as_user(self.carol).post(
            reverse("conversation-list"),
            {"participants": [str(self.alice.pk), str(self.bob.pk)], "title": "Trip"},
            format="json")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["owner"], str(self.carol.pk))
        group = Conversation.objects.get(pk=response.json()["conversation_id"])
        self.assertEqual(self.shown_owner(self.bob, group), str(self.carol.pk))

    def test_a_direct_conversation_has_no_owner(self):
        response = self.as_user(self.alice).post(
            reverse("conversation-list"), {"participants": [str(self.eve.pk)]}, format="json")
        self.assertEqual(response.status_code, 201)
        self.assertIsNone(response.json()["owner"])
        direct = Conversation.objects.get(pk=response.json()["conversation_id"])
        self.assertIsNone(self.shown_owner(self.eve, direct))

    def test_when_the_owner_leaves_the_longest_standing_member_owns_it(self):
        group = self.group()
        expected = [(self.carol, self.alice), (self.alice, self.bob), (self.bob, self.dave)]
        for leaving, successor in expected:
            with self.subTest(leaving=leaving.username):
                response = self.as_user(leaving).post(reverse("conversation-leave",
                                                              args=[group.pk]))
                self.assertEqual(response.status_code, 204)
                self.assertEqual(self.shown_owner(successor, group), str(successor.pk))
        self.as_user(self.dave).post(reverse("conversation-leave", args=[group.pk]))
        self.assertFalse(Conversation.objects.filter(pk=group.pk).exists())

    def test_the_owner_removing_themselves_is_leaving(self):
        group = self.group()
        url = reverse("conversation-remove-participant", args=[group.pk, self.carol.pk])
        self.assertEqual(self.as_user(self.carol).delete(url).status_code, 204)
        self.assertEqual(self.owner_of(group), self.alice.pk)

    def test_a_member_leaving_or_removed_leaves_the_owner_alone(self):
        group = self.group()
        self.as_user(self.bob).post(reverse("conversation-leave", args=[group.pk]))
        self.as_user(self.carol).delete(
            reverse("conversation-remove-participant", args=[group.pk, self.dave.pk]))
        self.assertEqual(self.owner_of(group), self.carol.pk)

    def test_the_owner_hands_the_group_over_to_a_participant(self):
        group = self.group()
        url = reverse("conversation-hand-over", args=[group.pk])
        response = self.as_user(self.carol).post(url, {"owner": str(self.bob.pk)},
                                                 format="json")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["owner"], str(self.bob.pk))
        self.assertEqual(response.json()["conversation_id"], str(group.pk))
        self.assertEqual(self.shown_owner(self.dave, group), str(self.bob.pk))
        # Carol is now an ordinary member; Bob has the owner's rights.
        detail = reverse("conversation-detail", args=[group.pk])
        self.assertEqual(self.as_user(self.carol).post(
            url, {"owner": str(self.carol.pk)}, format="json").status_code, 403)
        self.assertEqual(self.as_user(self.carol).delete(detail).status_code, 403)
        self.assertEqual(self.as_user(self.bob).delete(detail).status_code, 204)

    def test_the_owner_cannot_be_set_by_renaming_or_creating(self):
        group = self.group()
        detail = reverse("conversation-detail", args=[group.pk])
        for method in ("patch", "put"):
            response = getattr(self.as_user(self.bob), method)(
                detail, {"title": "Mine", "owner": str(self.bob.pk)}, format="json")
            self.assertEqual((response.status_code, response.json()["owner"]),
                             (200, str(self.carol.pk)))
        response = self.as_user(self.bob).post(
            reverse("conversation-list"),
            {"participants": [str(self.carol.pk)], "title": "T", "owner": str(self.carol.pk)},
            format="json")
        self.assertEqual(response.json()["owner"], str(self.bob.pk))

    def test_handing_over_to_yourself_changes_nothing(self):
        group = self.group()
        response = self.as_user(self.carol).post(
            reverse("conversation-hand-over", args=[group.pk]), {"owner": str(self.carol.pk)},
            format="json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.owner_of(group), self.carol.pk)

    def test_only_an_active_participant_can_be_handed_the_group(self):
        group = self.group()
        self.dave.is_active = False
        self.dave.save(update_fields=["is_active"])
        url = reverse("conversation-hand-over", args=[group.pk])
        for value in (str(self.eve.pk), str(uuid.uuid4()), str(self.dave.pk), "nope", None):
            with self.subTest(owner=value):
                response = self.as_user(self.carol).post(url, {"owner": value}, format="json")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertEqual(response.json()["code"], "invalid")
                self.assertIn("owner", response.json()["errors"])
        self.assertEqual(self.owner_of(group), self.carol.pk)

    def test_nobody_joins_a_direct_conversation(self):
        """Either person adding a third would own it, could remove the other
        and would show the third their whole private history."""
        direct, _ = services.create_conversation(creator=self.alice,
                                                 users=[self.alice, self.bob])
        for person in (self.alice, self.bob):
            with self.subTest(by=person.username):
                response = self.as_user(person).post(
                    reverse("conversation-add-participants", args=[direct.pk]),
                    {"participants": [str(self.carol.pk)]}, format="json")
                self.assertEqual(response.status_code, 403, response.content)
                self.assertEqual(response.json()["code"], "direct_conversation")
                self.assertIn("new group", response.json()["detail"])
        direct.refresh_from_db()
        self.assertIsNotNone(direct.direct_key)
        self.assertIsNone(direct.owner_id)
        self.assertEqual(sorted(direct.participants.values_list("username", flat=True)),
                         ["alice", "bob"])
        # What the refusal suggests: a new group with the three of them.
        response = self.as_user(self.bob).post(reverse("conversation-list"), {
            "participants": [str(self.alice.pk), str(self.carol.pk)]}, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertNotEqual(response.json()["conversation_id"], str(direct.pk))
        self.assertEqual(response.json()["owner"], str(self.bob.pk))

    def test_adding_someone_already_there_keeps_a_direct_conversation_direct(self):
        direct, _ = services.create_conversation(creator=self.alice,
                                                 users=[self.alice, self.bob])
        response = self.as_user(self.bob).post(
            reverse("conversation-add-participants", args=[direct.pk]),
            {"participants": [str(self.alice.pk)]}, format="json")
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.json()["owner"])
        direct.refresh_from_db()
        self.assertIsNotNone(direct.direct_key)

    def test_the_one_left_in_a_direct_conversation_owns_nothing(self):
        """It stays direct (``test_direct_conversations``): nobody owns it, nobody joins."""
        direct, _ = services.create_conversation(creator=self.alice,
                                                 users=[self.alice, self.bob])
        self.as_user(self.alice).post(reverse("conversation-leave", args=[direct.pk]))
        direct.refresh_from_db()
        self.assertEqual((direct.direct_key, direct.owner_id), (None, None))
        self.assertIsNone(self.shown_owner(self.bob, direct))
        response = self.as_user(self.bob).post(
            reverse("conversation-add-participants", args=[direct.pk]),
            {"participants": [str(self.eve.pk)]}, format="json")
        self.assertEqual((response.status_code, response.json()["code"]),
                         (403, "direct_conversation"))

    def test_a_group_made_outside_the_api_is_owned_by_its_first_member(self):
        group = Conversation.objects.create(title="From the shell")
        self.assertIsNone(group.owner_id)
        group.participants.add(self.bob)
        group.participants.add(self.alice)
        self.assertEqual(self.owner_of(group), self.bob.pk)
        self.alice.conversations.add(Conversation.objects.create(title="Other side"))
        self.assertEqual(self.owner_of(Conversation.objects.get(title="Other side")),
                         self.alice.pk)

    def test_removing_the_owner_outside_the_api_passes_ownership_too(self):
        group = self.group()
        group.participants.remove(self.carol)  # the admin's form, the shell
        self.assertEqual(self.owner_of(group), self.alice.pk)
        self.alice.conversations.remove(group)
        self.assertEqual(self.owner_of(group), self.bob.pk)

    def test_deleting_the_owners_account_passes_ownership(self):
        group = self.group()
        lonely = make_conversation(self.carol, title="Alone", owner=self.carol)
        self.carol.delete()
        self.assertEqual(self.owner_of(group), self.alice.pk)
        self.assertIsNone(self.owner_of(lonely))

    def test_the_list_still_costs_three_queries_with_owners(self):
        # The owner is a column of the conversation row: nothing to join or fetch.
        self.group()
        client = jwt_client(self.alice)
        with CaptureQueriesContext(connection) as queries:
            results = client.get(reverse("conversation-list")).json()["results"]
        self.assertEqual(len(queries), MAX_CONVERSATION_LIST_QUERIES)
        self.assertEqual({c["owner"] for c in results}, {str(self.alice.pk),
                                                         str(self.carol.pk)})


class OwnerMigrationTests(MigrationTestCase):
    """Migration 0010 gives every existing group an owner: its earliest member."""

    BEFORE = [("chats", "0009_conversation_last_message")]
    AFTER = [("chats", "0010_conversation_owner")]

    def test_groups_get_their_earliest_member_and_direct_conversations_none(self):
        old = self.migrate(self.BEFORE)
        user_model, conversation_model = (old.get_model("chats", name)
                                          for name in ("User", "Conversation"))
        ann, ben, cat = (user_model.objects.create(
            username=name, email=f"{name}@example.com", first_name=name, last_name="T")
            for name in ("ann", "ben", "cat"))
        group = conversation_model.objects.create(title="group")
        for member in (ben, cat, ann):
            group.participants.add(member)
        direct = conversation_model.objects.create(direct_key=f"{ann.pk}:{cat.pk}")
        direct.participants.add(ann, cat)
        empty = conversation_model.objects.create(title="nobody")

        self.migrate(self.AFTER)
        owners = dict(Conversation.objects.values_list("pk", "owner"))
        self.assertEqual(owners, {group.pk: ben.pk, direct.pk: None, empty.pk: None})
