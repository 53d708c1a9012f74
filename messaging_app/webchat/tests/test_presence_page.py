"""Who is online on the chat page: a dot in the list, a word in the header
and in the members list, following presence.changed live."""
from django.test import tag
from selenium.webdriver.common.keys import Keys

from chats import services
from chats.tests.base import PASSWORD

from .browser import Browser
from .test_browser import BrowserTestCase


@tag("slow")
class PresencePageTests(BrowserTestCase):

    def test_alice_sees_bob_online_then_last_seen_after_his_browser_quits(self):
        direct, _ = services.create_conversation(creator=self.alice,
                                                 users=[self.alice, self.bob])
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.open_conversation(direct.pk)

        def dot():
            return alice.js("""const dot = document.querySelector(
                `#conversation-list li[data-id='${arguments[0]}'] .presence-dot`);
                return dot ? dot.dataset.presence : null;""", str(direct.pk))

        alice.wait_until(lambda d: dot() == "offline", "Bob shown offline (never seen)")
        bob = Browser(self.server.http)
        quit = []
        self.addCleanup(lambda: quit or bob.quit())
        bob.sign_in("bob", PASSWORD)
        alice.wait_until(lambda d: dot() == "online", "Bob's dot turning online")
        self.assertEqual(alice.text("conversation-presence"), "online")
        alice.find("#manage").click()
        alice.wait_until(lambda d: "online" in alice.text("details-members"),
                         "Bob online in the members list")
        alice.press(Keys.ESCAPE)

        bob.quit()
        quit.append(True)
        alice.wait_until(lambda d: dot() == "offline", "Bob's dot turning offline")
        alice.wait_until(lambda d: alice.text("conversation-presence").startswith("last seen "),
                         "the header saying when Bob was last seen")
        alice.find("#manage").click()
        alice.wait_until(lambda d: "last seen" in alice.text("details-members"),
                         "Bob last seen in the members list")
