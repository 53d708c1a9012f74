"""Mentions on the chat page: "@" suggests members (an ARIA combobox, by
keyboard), the mention is highlighted for everyone and strongly for the one
mentioned, counted apart in their list, and notifies them even when muted."""
from django.test import tag

from chats.tests.base import PASSWORD, make_conversation

from .browser import Keys
from .test_attention import FAKE_NOTIFICATION
from .test_browser import BrowserTestCase


@tag("slow")
class MentionTests(BrowserTestCase):

    def test_a_mention_is_suggested_sent_highlighted_counted_and_notified(self):
        team = make_conversation(self.alice, self.bob, self.eve, title="Team")
        bob = self.browser("bob")
        bob.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                   {"source": FAKE_NOTIFICATION})
        bob.sign_in("bob", PASSWORD)
        bob.find("#notify-toggle").click()
        bob.open_conversation(team.pk)
        bob.find("#mute").click()  # muted: a mention still comes through
        bob.open_conversation(self.conversation.pk)

        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.open_conversation(team.pk)
        box = alice.find("#composer-input")
        self.assertEqual(box.get_attribute("role"), "combobox")
        alice.type_message("Lunch @", send=False)
        alice.wait_visible("mention-options")
        options = lambda: [(o.get_attribute("aria-selected"), o.get_attribute("data-username"))  # noqa: E731
                           for o in alice.find_all("#mention-options [role=option]")]
        self.assertEqual(options(), [("true", "bob"), ("false", "eve")])
        self.assertEqual(box.get_attribute("aria-expanded"), "true")
        box.send_keys(Keys.ARROW_DOWN)
        self.assertEqual(options()[1][0], "true")
        self.assertEqual(box.get_attribute("aria-activedescendant"), "mention-option-1")
        box.send_keys(Keys.ESCAPE)  # closes the list, keeps the text
        self.assertFalse(alice.visible("mention-options"))
        box.send_keys("b")
        alice.wait_visible("mention-options")
        self.assertEqual(options(), [("true", "bob")])
        box.send_keys(Keys.ENTER)  # picks, does not send
        self.assertEqual(box.get_attribute("value"), "Lunch @bob ")
        self.assertEqual(box.get_attribute("aria-expanded"), "false")
        alice.type_message("at noon?")
        alice.wait_for_message("Lunch @bob at noon?")
        mention = alice.find("#messages li.message .mention")
        self.assertEqual((mention.text, mention.get_attribute("class")), ("@bob", "mention"))

        bob.wait_until(lambda d: bob.js("return window.__notes.length;") == 1,
                       "the mention's notification despite the mute")
        self.assertEqual(bob.js("return window.__notes[0].body;"),
                         "Alice Tester: Lunch @bob at noon?")
        bob.wait_until(lambda d: bob.list_item(team.pk).get_attribute("data-mentions") == "1",
                       "the mention count in the list")
        self.assertEqual(bob.unread(team.pk), 1)
        bob.open_conversation(team.pk)
        bob.wait_for_message("Lunch @bob at noon?")
        self.assertEqual(bob.find("#messages .mention").get_attribute("class"), "mention me")
        self.assertIn("mentions-me", bob.find("#messages li.message").get_attribute("class"))
        bob.wait_until(lambda d: bob.list_item(team.pk).get_attribute("data-mentions") == "0",
                       "the mention count to clear on reading")
