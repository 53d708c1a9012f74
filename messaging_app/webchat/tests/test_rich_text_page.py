"""Links and code in message bodies, drawn as text nodes only: a real
browser runs ``rich-text.js`` on hostile bodies and shows a live message."""
from django.test import tag

from chats.tests.base import PASSWORD

from .test_browser import BrowserTestCase

HOSTILE = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "javascript://https://example.com/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "<a href='javascript:alert(1)'>x</a>",
    "[click](javascript:alert(1))",
    "`https://example.com/in-code`",
    "```\nhttps://example.com/in-block\n```",
    "http://",
]


@tag("slow")
class RichTextTests(BrowserTestCase):

    def render(self, page, bodies):
        """For each body: [text shown, [[href, target, rel, text] per link], code texts]."""
        return page.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            import('/static/webchat/js/rich-text.js').then(({ richText }) => {
              done(arguments[0].map((body) => {
                const div = document.createElement('div');
                div.append(...richText(body).map(
                  (n) => n instanceof Node ? n : document.createTextNode(n)));
                return [div.textContent,
                  [...div.querySelectorAll('a')].map((a) => [a.getAttribute('href'),
                    a.getAttribute('target'), a.getAttribute('rel'), a.textContent]),
                  [...div.querySelectorAll('code')].map((c) => c.textContent),
                  [...div.querySelectorAll('*')].map((e) => e.tagName).filter(
                    (t) => !['A', 'CODE', 'PRE'].includes(t))];
              }));
            }, (e) => done(`error: ${e}`));""", bodies)

    def test_javascript_and_other_schemes_never_become_links(self):
        page = self.browser("modules")
        page.open("/")
        page.wait_visible("signin-form")
        rendered = self.render(page, HOSTILE)
        for body, (_, links, _codes, others) in zip(HOSTILE, rendered, strict=True):
            with self.subTest(body=body):
                self.assertEqual(others, [])
                for href, *_ in links:
                    self.assertRegex(href, r"^https?://", "only http(s) links")
                self.assertNotIn("javascript", " ".join(href for href, *_ in links).lower())
        results = rendered
        self.assertEqual(results[0][1], [])
        self.assertEqual(results[2][1][0][0], "https://example.com/%0aalert(1)")
        self.assertEqual(results[7][1:3], [[], ["https://example.com/in-code"]])
        self.assertEqual(results[8][1:3], [[], ["https://example.com/in-block\n"]])
        self.assertEqual(results[9][1], [])

    def test_addresses_become_safe_links_and_backticks_code(self):
        page = self.browser("modules")
        page.open("/")
        page.wait_visible("signin-form")
        [(text, links, codes, _)] = self.render(page, [
            "See https://example.com/a_(b). Then http://x.test/q?a=1&b=2, and `ls -l`:\n"
            "```sh\necho hi\n```"])
        self.assertEqual(links, [
            ["https://example.com/a_(b)", "_blank", "noopener noreferrer",
             "https://example.com/a_(b)"],
            ["http://x.test/q?a=1&b=2", "_blank", "noopener noreferrer",
             "http://x.test/q?a=1&b=2"]])
        self.assertEqual(codes, ["ls -l", "echo hi\n"])
        self.assertEqual(text, "See https://example.com/a_(b). Then http://x.test/q?a=1&b=2, "
                               "and ls -l:\necho hi\n")

    def test_mentions_are_marked_in_plain_text_only(self):
        page = self.browser("modules")
        page.open("/")
        page.wait_visible("signin-form")
        body = ("@bob see `@bob` and https://example.com/@bob, mail bob@bob.test;\n"
                "ping @Eve. ```\n@eve\n``` @bob!")
        text, spans, codes, links = page.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            import('/static/webchat/js/rich-text.js').then(({ mentionMarker, richText }) => {
              const mark = mentionMarker([{ user_id: 'b', username: 'bob' },
                                          { user_id: 'e', username: 'eve' }], 'e');
              const div = document.createElement('div');
              div.append(...richText(arguments[0], mark).map(
                (n) => n instanceof Node ? n : document.createTextNode(n)));
              done([div.textContent,
                [...div.querySelectorAll('span')].map((s) => [s.textContent, s.className,
                  s.parentElement === div]),
                [...div.querySelectorAll('code')].map((c) => c.textContent),
                [...div.querySelectorAll('a')].map((a) => a.textContent)]);
            }, (e) => done([`error: ${e}`, [], [], []]));""", body)
        self.assertEqual(spans, [["@bob", "mention", True], ["@Eve", "mention me", True],
                                 ["@bob", "mention", True]])
        self.assertEqual(codes, ["@bob", "@eve\n"])
        self.assertEqual(links, ["https://example.com/@bob"])
        self.assertEqual(text, body.replace("`", "").replace("\n@eve", "@eve", 1))

    def test_a_link_sent_live_is_safe_on_the_other_side(self):
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.open_conversation(self.conversation.pk)
        self.api_send(self.bob, self.conversation,
                      "docs at https://example.com/docs and javascript:alert(1)")
        alice.wait_until(lambda d: alice.find_all("#messages a.link-out"), "the link")
        [link] = alice.find_all("#messages .body a")
        self.assertEqual([link.get_attribute(name) for name in ("href", "target", "rel")],
                         ["https://example.com/docs", "_blank", "noopener noreferrer"])
        self.assertFalse(alice.alert_open())
