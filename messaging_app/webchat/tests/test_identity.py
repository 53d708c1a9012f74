"""Telling people and conversations apart on the chat page: initials avatars
coloured from the id, a member hint for groups with the same title, and a
direct conversation's header naming the other person."""
from django.test import tag

from chats import services
from chats.tests.base import PASSWORD, make_conversation, make_message

from .test_browser import BrowserTestCase, chat_user


@tag("slow")
class IdentityTests(BrowserTestCase):

    def test_avatars_member_hints_and_the_direct_header(self):
        direct, _ = services.create_conversation(creator=self.alice,
                                                 users=[self.alice, self.bob])
        make_message(direct, self.bob, "hi from Bob")
        dana = chat_user("dana")
        make_conversation(self.alice, self.bob, title="Book club")
        make_conversation(self.alice, self.eve, dana, title="Book club")
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.wait_until(lambda d: len(alice.find_all("#conversation-list li")) == 4,
                         "the four conversations")
        names = sorted(alice.js("""return [...document.querySelectorAll(
            '#conversation-list .name')].map((n) => n.textContent);"""))
        # The setUp's untitled group is named like the direct conversation: it gets
        # the hint, the direct one (a person) does not.
        self.assertEqual(names, ["Bob Tester", "Bob Tester (with Bob)", "Book club (with Bob)",
                                 "Book club (with Dana, Eve)"])

        alice.open_conversation(direct.pk)
        self.assertEqual(alice.text("conversation-members"), "Bob Tester · @bob")
        alice.wait_for_message("hi from Bob")
        colours = alice.js("""
            const of = (node) => [node.textContent, getComputedStyle(node).backgroundColor];
            return [of(document.querySelector(
                      `#conversation-list li[data-id='${arguments[0]}'] .avatar`)),
                    of(document.querySelector('#messages li.theirs .avatar'))];""", str(direct.pk))
        self.assertEqual(colours[0], colours[1])
        self.assertEqual(colours[0][0], "BT")
