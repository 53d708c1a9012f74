"""Emoji reactions on the chat page, live between two browsers."""
from django.test import tag

from chats.tests.base import PASSWORD, make_message

from .test_browser import BrowserTestCase


def chips(window, seq) -> list:
    """(emoji, count, pressed, who) of a message's reaction chips."""
    return [tuple(row) for row in window.js("""
        return [...document.querySelectorAll(
            `#messages li[data-seq="${arguments[0]}"] .reaction:not(.add-reaction)`)]
          .map((b) => [b.firstChild.textContent, Number(b.textContent.trim().split(' ').pop()),
                       b.getAttribute('aria-pressed') === 'true', b.title]);""", seq)]


@tag("slow")
class ReactionPageTests(BrowserTestCase):

    def click(self, window, css):
        window.wait_until(lambda d: window.find_all(css), css)
        window.find(css).click()

    def test_a_reaction_is_seen_live_and_taken_back(self):
        make_message(self.conversation, self.bob, "lunch at noon?")
        alice, bob = self.browser("alice"), self.browser("bob")
        for window, name in ((alice, "alice"), (bob, "bob")):
            window.sign_in(name, PASSWORD)
            window.open_conversation(self.conversation.pk)
        self.click(alice, '#messages li[data-seq="1"] .add-reaction')
        self.click(alice, '#messages li[data-seq="1"] .pick[data-name="thumbs_up"]')
        bob.wait_until(lambda d: chips(bob, 1) == [("\U0001F44D", 1, False, "Alice Tester")],
                       "Alice's reaction, live")
        self.click(bob, '#messages li[data-seq="1"] .reaction[data-name="thumbs_up"]')
        alice.wait_until(lambda d: chips(alice, 1)
                         == [("\U0001F44D", 2, True, "you, Bob Tester")], "Bob's too")
        self.click(alice, '#messages li[data-seq="1"] .reaction[data-name="thumbs_up"]')
        bob.wait_until(lambda d: chips(bob, 1) == [("\U0001F44D", 1, True, "you")],
                       "Alice's taken back")
        alice.reload()
        alice.wait_conversation()
        alice.wait_until(lambda d: chips(alice, 1) == [("\U0001F44D", 1, False, "Bob Tester")],
                         "reactions read again after a reload")
