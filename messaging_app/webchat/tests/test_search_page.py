"""The chat page's message search in a real browser: a hit opens an old
message in view, marked, with older and newer pages loading around it."""
from django.test import tag

from chats.tests.base import PASSWORD, make_conversation, make_message

from .browser import Keys
from .test_browser import BrowserTestCase, chat_user


@tag("slow")
class SearchPageTests(BrowserTestCase):

    def test_a_search_hit_opens_an_old_message_in_view_and_newer_pages_load(self):
        other = make_conversation(self.alice, chat_user("carol"), title="Plans")
        make_message(other, self.alice, "the walrus plan, elsewhere")
        for n in range(1, 121):
            body = "the walrus said hello" if n == 20 else f"message {n}"
            make_message(self.conversation, self.bob if n % 2 else self.alice, body)
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.wait_signed_in()
        alice.find("body").send_keys("/")
        alice.wait_until(lambda d: alice.focused().get_attribute("id") == "message-search",
                         "the shortcut focuses the search box")
        alice.press(*"walrus")
        alice.wait_until(lambda d: len(alice.find_all("#search-results .hit")) == 2, "two hits")
        groups = [group.text.split("\n")[0]
                  for group in alice.find_all("#search-results .hit-group")]
        self.assertCountEqual(groups, ["Bob Tester", "Plans"])
        marks = [mark.text for mark in alice.find_all("#search-results mark")]
        self.assertEqual(marks, ["walrus", "walrus"])
        # Enter opens the hit chosen with the arrows.
        chosen = next(index for index, hit in enumerate(alice.find_all("#search-results .hit"))
                      if hit.get_attribute("data-seq") == "20")
        alice.press(*([Keys.ARROW_DOWN] * (chosen + 1)), Keys.ENTER)
        alice.wait_until(lambda d: alice.find_all("#messages li.found"), "the hit marked")
        found = alice.find("#messages li.found")
        self.assertEqual(found.get_attribute("data-seq"), "20")
        self.assertTrue(alice.js(
            "const h = document.getElementById('history').getBoundingClientRect();"
            "const m = arguments[0].getBoundingClientRect();"
            "return m.top >= h.top && m.bottom <= h.bottom;", found), "the hit is in view")
        self.assertIn("around=20", alice.driver.current_url)
        # Scrolling down loads the newer pages, up to the newest message.
        for _ in range(10):
            if "message 120" in alice.bodies():
                break
            count = len(alice.bodies())
            alice.js("const h = document.getElementById('history');"
                     "h.scrollTop = h.scrollHeight;")
            alice.wait_until(lambda d, count=count: len(alice.bodies()) > count
                             or "message 120" in alice.bodies(), "a newer page")
        bodies = alice.bodies()
        self.assertEqual(bodies[-1], "message 120")
        self.assertEqual(len(bodies), len(set(bodies)), "no message twice")
        seqs = [int(li.get_attribute("data-seq"))
                for li in alice.find_all("#messages li[data-seq]")]
        self.assertEqual(seqs, list(range(seqs[0], 121)), "no gap")
        self.assertLessEqual(seqs[0], 20)
