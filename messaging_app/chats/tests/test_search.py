"""Full-text search over messages (``GET /api/messages/search/``), on the
engine the suite runs on (SQLite by default, PostgreSQL with DATABASE_URL)."""
from unittest.mock import patch

from django.db import connection
from django.test import TestCase
from django.urls import reverse
from rest_framework.test import APIClient

from chats import services
from chats.content import search, search_index
from chats.models import Message

from .base import make_conversation, make_message, make_user

URL = reverse("message-search")


class SearchTestCase(TestCase):
    """Alice and Bob share a conversation; Alice and Carol another; Eve and
    Mallory a third, which Alice is not in."""

    def setUp(self):
        self.alice = make_user("alice")
        self.bob = make_user("bob")
        self.carol = make_user("carol")
        self.eve = make_user("eve")
        self.mallory = make_user("mallory")
        self.with_bob = make_conversation(self.alice, self.bob, title="Ops")
        self.with_carol = make_conversation(self.alice, self.carol, title="Lunch")
        self.elsewhere = make_conversation(self.eve, self.mallory, title="Secret")

    def find(self, user, **params):
        client = APIClient()
        client.force_authenticate(user)
        return client.get(URL, params)

    def bodies(self, response):
        self.assertEqual(response.status_code, 200, response.data)
        return [hit["message"]["message_body"] for hit in response.data["results"]]


class FindingTests(SearchTestCase):
    def test_finds_whole_words_in_any_case_in_your_conversations(self):
        make_message(self.with_bob, self.bob, "The Deploy is done")
        make_message(self.with_carol, self.carol, "deployment tomorrow")
        make_message(self.with_carol, self.carol, "nothing here")
        self.assertEqual(self.bodies(self.find(self.alice, q="deploy")), ["The Deploy is done"])

    def test_a_star_matches_words_the_term_begins(self):
        make_message(self.with_bob, self.bob, "The deploy is done")
        make_message(self.with_carol, self.carol, "deployment tomorrow")
        self.assertCountEqual(self.bodies(self.find(self.alice, q="deploy*")),
                              ["The deploy is done", "deployment tomorrow"])

    def test_every_word_must_match(self):
        make_message(self.with_bob, self.bob, "red apples")
        make_message(self.with_bob, self.bob, "green apples")
        self.assertEqual(self.bodies(self.find(self.alice, q="apples green")), ["green apples"])

    def test_ranks_the_message_saying_it_more_first(self):
        make_message(self.with_bob, self.bob, "kiwi once among many other words of a message")
        make_message(self.with_bob, self.bob, "kiwi kiwi kiwi")
        make_message(self.with_carol, self.carol, "kiwi twice, kiwi")
        response = self.find(self.alice, q="kiwi")
        self.assertEqual(self.bodies(response), [
            "kiwi kiwi kiwi", "kiwi twice, kiwi",
            "kiwi once among many other words of a message"])
        scores = [hit["score"] for hit in response.data["results"]]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertGreater(scores[0], scores[-1])

    def test_only_the_newest_matches_are_ranked_and_found(self):
        make_message(self.with_bob, self.bob, "kiwi kiwi kiwi, the oldest")
        make_message(self.with_bob, self.bob, "kiwi once among many other words")
        make_message(self.with_bob, self.bob, "kiwi kiwi")
        with patch.object(search, "RANK_WINDOW", 2):
            self.assertEqual(self.bodies(self.find(self.alice, q="kiwi")),
                             ["kiwi kiwi", "kiwi once among many other words"])

    def test_equal_matches_come_newest_first(self):
        for n in range(3):
            make_message(self.with_bob, self.bob, f"pear {n}")
        self.assertEqual(self.bodies(self.find(self.alice, q="pear")),
                         ["pear 2", "pear 1", "pear 0"])

    def test_each_hit_names_its_conversation_and_seq(self):
        make_message(self.with_bob, self.bob, "one")
        message = make_message(self.with_bob, self.alice, "plum jam")
        hit = self.find(self.alice, q="plum").data["results"][0]
        self.assertEqual(hit["conversation"], {"conversation_id": str(self.with_bob.pk),
                                               "title": "Ops"})
        self.assertEqual(hit["message"]["seq"], message.seq)
        self.assertEqual(hit["message"]["sender"]["username"], "alice")
        self.assertEqual(hit["message"]["conversation"], str(self.with_bob.pk))


class NoLeakTests(SearchTestCase):
    def test_never_finds_messages_of_conversations_you_are_not_in(self):
        make_message(self.elsewhere, self.eve, "launch codes")
        make_message(self.with_bob, self.bob, "launch party")
        self.assertEqual(self.bodies(self.find(self.alice, q="launch")), ["launch party"])
        self.assertEqual(self.bodies(self.find(self.eve, q="launch")), ["launch codes"])
        self.assertEqual(self.bodies(self.find(self.carol, q="launch")), [])

    def test_naming_someone_elses_conversation_finds_nothing(self):
        make_message(self.elsewhere, self.eve, "launch codes")
        response = self.find(self.alice, q="launch", conversation=str(self.elsewhere.pk))
        self.assertEqual(self.bodies(response), [])

    def test_after_leaving_a_conversation_its_messages_are_not_found(self):
        make_message(self.with_carol, self.carol, "secret recipe")
        self.assertEqual(len(self.bodies(self.find(self.alice, q="recipe"))), 1)
        services.remove_participant(self.with_carol, self.alice)
        self.assertEqual(self.bodies(self.find(self.alice, q="recipe")), [])

    def test_with_too_many_conversations_to_list_the_join_still_keeps_others_out(self):
        make_message(self.elsewhere, self.eve, "launch codes")
        make_message(self.with_bob, self.bob, "launch party")
        with patch.object(search, "MAX_CONVERSATIONS_IN_MATCH", 1):
            self.assertIsNone(search.conversations_of(self.alice))
            self.assertEqual(self.bodies(self.find(self.alice, q="launch")), ["launch party"])

    def test_someone_in_no_conversation_finds_nothing(self):
        make_message(self.with_bob, self.bob, "launch party")
        self.assertEqual(self.bodies(self.find(make_user("newcomer"), q="launch")), [])

    def test_anonymous_requests_are_refused(self):
        self.assertEqual(APIClient().get(URL, {"q": "x"}).status_code, 401)


class FilterTests(SearchTestCase):
    def test_conversation_filter(self):
        make_message(self.with_bob, self.bob, "tea time")
        make_message(self.with_carol, self.carol, "tea please")
        response = self.find(self.alice, q="tea", conversation=str(self.with_carol.pk))
        self.assertEqual(self.bodies(response), ["tea please"])

    def test_sender_filter(self):
        make_message(self.with_bob, self.bob, "tea time")
        make_message(self.with_bob, self.alice, "tea please")
        response = self.find(self.alice, q="tea", sender=str(self.alice.pk))
        self.assertEqual(self.bodies(response), ["tea please"])

    def test_pages_link_to_each_other(self):
        for n in range(5):
            make_message(self.with_bob, self.bob, f"fig {n}")
        first = self.find(self.alice, q="fig", page_size=2)
        self.assertEqual(self.bodies(first), ["fig 4", "fig 3"])
        self.assertIsNone(first.data["previous"])
        client = APIClient()
        client.force_authenticate(self.alice)
        second = client.get(first.data["next"])
        self.assertEqual(self.bodies(second), ["fig 2", "fig 1"])
        third = client.get(second.data["next"])
        self.assertEqual(self.bodies(third), ["fig 0"])
        self.assertIsNone(third.data["next"])
        self.assertEqual(self.bodies(client.get(third.data["previous"])), ["fig 2", "fig 1"])


class KeptInStepTests(SearchTestCase):
    def test_an_edit_is_found_by_its_new_words_only(self):
        message = make_message(self.with_bob, self.alice, "meet at noon")
        services.edit_message(message, "meet at dawn")
        self.assertEqual(self.bodies(self.find(self.alice, q="noon")), [])
        self.assertEqual(self.bodies(self.find(self.alice, q="dawn")), ["meet at dawn"])

    def test_a_deleted_message_is_not_found(self):
        message = make_message(self.with_bob, self.alice, "oops password")
        services.delete_message(message)
        self.assertEqual(self.bodies(self.find(self.alice, q="password")), [])

    def test_a_hard_deleted_message_leaves_the_index(self):
        message = make_message(self.with_bob, self.alice, "gone forever")
        message.delete()
        self.assertEqual(self.bodies(self.find(self.alice, q="gone")), [])
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM chats_message_fts"
                               " WHERE chats_message_fts MATCH 'gone'")
                self.assertEqual(cursor.fetchone()[0], 0)
                cursor.execute("SELECT count(*) FROM chats_message_search_row")
                self.assertEqual(cursor.fetchone()[0], Message.objects.count())

    def test_bulk_created_and_api_sent_messages_are_found(self):
        Message.objects.bulk_create([
            Message(conversation=self.with_bob, sender=self.bob, message_body="bulk mango")])
        services.send_message(conversation_id=self.with_bob.pk, sender=self.alice,
                              body="sent mango")
        self.assertCountEqual(self.bodies(self.find(self.alice, q="mango")),
                              ["bulk mango", "sent mango"])

    def test_triggers_dropped_by_a_table_rebuild_come_back(self):
        if connection.vendor != "sqlite":
            self.skipTest("SQLite keeps its index with triggers")
        with connection.cursor() as cursor:
            for name in ("insert", "update", "delete"):
                cursor.execute(f"DROP TRIGGER chats_message_fts_{name}")
        make_message(self.with_bob, self.alice, "written meanwhile")
        search_index.ensure_triggers(connection)
        self.assertEqual(self.bodies(self.find(self.alice, q="meanwhile")),
                         ["written meanwhile"])
        make_message(self.with_bob, self.alice, "written after")
        self.assertEqual(self.bodies(self.find(self.alice, q="after")), ["written after"])


class QueryTests(SearchTestCase):
    def test_q_longer_than_400_characters_is_refused_with_a_message(self):
        response = self.find(self.alice, q="a" * 401)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(str(response.data["errors"]["q"][0]),
                         "q is 401 characters long; at most 400 are allowed.")
        self.assertEqual(self.find(self.alice, q="a" * 400).status_code, 200)

    def test_q_without_a_word_is_refused(self):
        for q in ("", "   ", "*** !!", "_"):
            with self.subTest(q=q):
                response = self.find(self.alice, q=q)
                self.assertEqual(response.status_code, 400)
                self.assertIn("q", response.data["errors"])

    def test_search_syntax_is_taken_as_plain_words(self):
        make_message(self.with_bob, self.bob, "quote's OR and NEAR")
        for q in ('"quote', "quote's", "OR", "NEAR(", "or:*", "and & near | !x"):
            with self.subTest(q=q):
                self.assertEqual(self.find(self.alice, q=q).status_code, 200)
        self.assertEqual(self.bodies(self.find(self.alice, q="NEAR(")), ["quote's OR and NEAR"])

    def test_bad_filters_name_the_parameter(self):
        for params in ({"conversation": "nope"}, {"sender": "x"}, {"page": "0"},
                       {"page_size": "51"}):
            with self.subTest(params=params):
                response = self.find(self.alice, q="a", **params)
                self.assertEqual(response.status_code, 400)
                self.assertIn(next(iter(params)), response.data["errors"])

    def test_a_page_costs_a_fixed_number_of_queries_whatever_its_size(self):
        for n in range(15):
            make_message(self.with_bob, self.bob, f"lime {n}")
        client = APIClient()
        client.force_authenticate(self.alice)
        # Both list the requester's conversations; PostgreSQL reads how common
        # the words are.
        with self.assertNumQueries(3 if connection.vendor == "sqlite" else 4):
            response = client.get(URL, {"q": "lime"})
        self.assertEqual(len(response.data["results"]), 15)


class SnippetTests(SearchTestCase):
    def test_hits_carry_fragments_marking_the_matched_words(self):
        make_message(self.with_bob, self.bob, "Café <b>menu</b>: the cafe opens")
        hit = self.find(self.alice, q="menu").data["results"][0]
        self.assertEqual(hit["snippet"], [
            {"text": "Café <b>", "highlight": False}, {"text": "menu", "highlight": True},
            {"text": "</b>: the cafe opens", "highlight": False}])

    def test_a_long_body_is_cut_around_the_first_match(self):
        body = " ".join(["filler"] * 40) + " needle " + " ".join(["after"] * 60)
        fragments = search.snippet(body, search.parse_query("needle"))
        text = "".join(fragment["text"] for fragment in fragments)
        self.assertTrue(text.startswith("\u2026filler"))
        self.assertTrue(text.endswith("\u2026"))
        self.assertLessEqual(len(text), search.SNIPPET_LENGTH + 2)
        self.assertIn({"text": "needle", "highlight": True}, fragments)

    def test_accents_and_case_are_ignored_when_highlighting(self):
        fragments = search.snippet("CAFÉ and cafés", search.parse_query("cafe caf*"))
        self.assertEqual([f["text"] for f in fragments if f["highlight"]], ["CAFÉ", "cafés"])


class DenseWordTests(FindingTests, NoLeakTests, FilterTests):
    """On PostgreSQL, the same answers when the words are taken for common
    ones (searched conversation by conversation in the covering index)."""

    def setUp(self):
        super().setUp()
        if connection.vendor != "postgresql":
            self.skipTest("only PostgreSQL chooses a plan by how common words are")
        patcher = patch.object(search, "share_of", return_value=1.0)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_a_word_in_most_messages_is_taken_as_dense(self):
        patch.stopall()
        for n in range(30):
            make_message(self.with_bob, self.bob, "common " + ("rare" if n == 0 else f"w{n}"))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE chats_message")
        self.assertGreater(search.share_of(search.parse_query("common")), 0.5)
        self.assertLess(search.share_of(search.parse_query("common rare")), search.DENSE_SHARE)
        self.assertEqual(search.share_of(search.parse_query("nowhere")), 0.0)
        self.assertEqual(len(self.bodies(self.find(self.alice, q="common"))), 20)
