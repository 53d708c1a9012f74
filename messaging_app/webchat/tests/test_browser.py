"""The chat page in a real browser: headless Chromium (Debian's package) driven
by Selenium against a uvicorn process serving the test database (HTTP and
WebSockets).  Without Chromium these tests skip with the reason; with
``REQUIRE_BROWSER=1`` (CI) they fail instead.

Each test opens fresh browser windows (their own profiles, so their own
sessionStorage) and signs in through the form, as a person would.  Every wait
is on an explicit condition; screenshots of each window are saved in
``browser-screenshots/`` (git-ignored), ``conversation.png`` among them.
"""
import functools

import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.test import TransactionTestCase, tag
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from chats.accounts.cookie_session import COOKIE_NAME
from chats.auth import get_tokens_for_user
from chats.models import Conversation, Message, User
from chats.queries import read_position_in
from chats.tests.base import PASSWORD, make_conversation, make_message, make_user
from chats.tests.servers import Server

from .browser import Browser, Keys, browser_missing, browser_required

XSS = "<img src=x onerror=alert(1)>"
TIMEOUT = 10


@functools.cache
def server_password_hash() -> str:
    """PASSWORD hashed so that the server process can check it.

    The test run hashes with MD5 (fast), a hasher the server, running with
    the real settings, does not accept; one PBKDF2 hash serves every user.
    """
    return make_password(PASSWORD, hasher=PBKDF2PasswordHasher())


def chat_user(username: str) -> User:
    user = make_user(username)
    User.objects.filter(pk=user.pk).update(password=server_password_hash())
    return user


@tag("slow")
class BrowserTestCase(TransactionTestCase):
    """One server process per class; browsers per test."""

    missing = None
    server = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.missing = browser_missing()
        if cls.missing is None:
            cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        if cls.server is not None:
            cls.server.stop()
        super().tearDownClass()

    def setUp(self):
        if self.missing is not None:
            if browser_required():
                self.fail(f"REQUIRE_BROWSER=1 but {self.missing}")
            self.skipTest(self.missing)
        self.alice, self.bob, self.eve = (chat_user(n) for n in ("alice", "bob", "eve"))
        self.conversation = make_conversation(self.alice, self.bob)

    def browser(self, name: str, **size) -> Browser:
        """A new window; on cleanup its screenshot is saved and uncaught
        script errors fail the test."""
        window = Browser(self.server.http, **size)
        self.addCleanup(self.close_browser, window, name)
        return window

    def close_browser(self, window: Browser, name: str) -> None:
        try:
            window.screenshot(f"{self.id().rsplit('.', 2)[-1]}-{name}")
            errors = window.script_errors()
        finally:
            window.quit()
        self.assertEqual(errors, [], f"script errors in {name}'s window")

    def api_send(self, user, conversation, body: str) -> dict:
        """Send over the API as user (as another client of theirs would)."""
        response = requests.post(
            f"{self.server.http}/api/conversations/{conversation.pk}/messages/",
            json={"message_body": body}, timeout=TIMEOUT,
            headers={"Authorization": f"Bearer {get_tokens_for_user(user)['access']}"})
        self.assertEqual(response.status_code, 201, response.text)
        return response.json()


class ChattingTests(BrowserTestCase):

    def test_two_people_chat_both_ways_live_with_typing_and_read_markers(self):
        alice, bob = self.browser("alice"), self.browser("bob")
        alice.sign_in("alice", PASSWORD)
        bob.sign_in("bob", PASSWORD)
        alice.open_conversation(self.conversation.pk)
        bob.open_conversation(self.conversation.pk)

        bob.type_message("Hi Alice, are you there?", send=False)
        alice.wait_until(lambda d: alice.text("typing") == "Bob Tester is typing…"
                         and "visible" in alice.find("#typing").get_attribute("class"),
                         "Bob's typing notice")
        bob.type_message("")  # Enter sends what is in the box
        alice.wait_for_message("Hi Alice, are you there?")
        alice.wait_until(lambda d: "visible" not in alice.find("#typing").get_attribute("class"),
                         "the typing notice to fade once the message came")

        alice.type_message("Yes! Shall we meet at 6?")
        bob.wait_for_message("Yes! Shall we meet at 6?")
        bob.type_message("Perfect, see you then.")
        alice.wait_for_message("Perfect, see you then.")

        expected = [("stored", False, "Hi Alice, are you there?"),
                    ("stored", True, "Yes! Shall we meet at 6?"),
                    ("stored", False, "Perfect, see you then.")]
        self.assertEqual(alice.messages(), expected)
        bob.wait_until(lambda d: len(bob.messages()) == 3, "Bob's three messages")
        self.assertEqual(bob.messages(), [(s, not mine, b) for s, mine, b in expected])
        # Alice has the conversation open: Bob sees that she read his last message.
        receipts = ("return [...document.querySelectorAll('.seen')].filter(e => !e.hidden)"
                    ".map(e => e.textContent)")
        bob.wait_until(lambda d: bob.js(receipts) == ["Seen by Alice Tester"],
                       "Bob's read receipt")
        self.assertEqual(Message.objects.filter(conversation=self.conversation).count(), 3)
        alice.screenshot("conversation")
        bob.reload()  # receipts come back from /reads/, not only from events
        bob.wait_conversation()
        bob.wait_until(lambda d: bob.js(receipts) == ["Seen by Alice Tester"],
                       "Bob's read receipt after a reload")

    def test_unread_badge_appears_and_clears_and_the_list_orders_by_activity(self):
        older = make_conversation(self.bob, self.eve)
        make_message(older, self.eve, "an older chat, but the newest activity")
        bob = self.browser("bob")
        bob.sign_in("bob", PASSWORD)
        self.assertEqual(bob.list_order(), [str(older.pk), str(self.conversation.pk)])
        self.assertEqual(bob.unread(self.conversation.pk), 0)

        self.api_send(self.alice, self.conversation, "one")
        bob.wait_until(lambda d: bob.unread(self.conversation.pk) == 1, "an unread badge of 1")
        self.api_send(self.alice, self.conversation, "two")
        bob.wait_until(lambda d: bob.unread(self.conversation.pk) == 2, "an unread badge of 2")
        self.assertEqual(bob.list_order(), [str(self.conversation.pk), str(older.pk)])
        item = bob.list_item(self.conversation.pk)
        self.assertEqual(item.find_element("css selector", ".badge [aria-hidden]").text, "2")
        self.assertIn("two", item.find_element("css selector", ".preview").text)

        bob.open_conversation(self.conversation.pk)
        bob.wait_until(lambda d: bob.unread(self.conversation.pk) == 0, "the badge to clear")
        self.assertEqual(bob.find_all(f"li[data-id='{self.conversation.pk}'] .badge"), [])
        self.assertEqual(read_position_in(self.conversation.pk, self.bob), 2)

    def test_edits_and_deletes_show_live_on_both_sides(self):
        make_message(self.conversation, self.alice, "first try")
        alice, bob = self.browser("alice"), self.browser("bob")
        alice.sign_in("alice", PASSWORD)
        bob.sign_in("bob", PASSWORD)
        alice.open_conversation(self.conversation.pk)
        bob.open_conversation(self.conversation.pk)
        self.assertEqual(bob.find_all("#messages .actions"), [], "Bob may not edit Alice's")

        alice.click("#messages li.mine .actions button")  # Edit
        box = alice.find("#messages textarea.edit-input")
        box.clear()
        box.send_keys("second try\n")
        for window in (alice, bob):
            window.wait_until(lambda d, w=window: w.bodies() == ["second try"]
                              and w.find_all("#messages .edited"), "the edit, marked edited")

        delete = alice.find("#messages li.mine .actions button.danger")
        delete.click()
        self.assertEqual(delete.text, "Confirm delete")
        delete.click()
        for window in (alice, bob):
            window.wait_until(lambda d, w=window: w.bodies() == ["This message was deleted."]
                              and w.find_all("#messages li.deleted"), "the deletion")
        self.assertIsNotNone(Message.objects.get(conversation=self.conversation).deleted_at)


class ResilienceTests(BrowserTestCase):

    def alice_with_the_server_down(self):
        """Alice in the conversation, then the server stopped and the page saying so."""
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.open_conversation(self.conversation.pk)
        self.server.stop()
        alice.wait_until(lambda d: "Connection lost" in alice.text("connection-text"),
                         "the page to say the connection is lost")
        return alice

    def test_a_send_while_the_server_is_down_stays_pending_then_goes_through_once(self):
        alice = self.alice_with_the_server_down()
        alice.type_message("written while the server was down")
        alice.wait_for_message("written while the server was down", state="pending")
        self.assertEqual(alice.find("#composer-input").get_attribute("value"), "")
        self.server.start()
        alice.wait_for_message("written while the server was down", state="stored")
        alice.wait_until(lambda d: not alice.visible("connection"), "the banner to go")
        self.assertEqual(alice.bodies(), ["written while the server was down"])
        self.assertEqual(Message.objects.filter(conversation=self.conversation).count(), 1)

    def test_messages_written_during_an_outage_arrive_once_after_reconnecting(self):
        make_message(self.conversation, self.bob, "before the outage")
        alice = self.alice_with_the_server_down()
        make_message(self.conversation, self.bob, "written during the outage")
        self.server.start()
        self.api_send(self.bob, self.conversation, "sent just after the restart")
        alice.wait_for_message("written during the outage")
        alice.wait_for_message("sent just after the restart")
        alice.wait_until(lambda d: not alice.visible("connection"), "the banner to go")
        self.assertEqual(alice.bodies(), ["before the outage", "written during the outage",
                                          "sent just after the restart"])

    def test_reloading_keeps_the_session_the_conversation_and_the_draft(self):
        make_message(self.conversation, self.bob, "before the reload")
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.open_conversation(self.conversation.pk)
        alice.type_message("half written", send=False)
        refresh_before = alice.cookies()[COOKIE_NAME]["value"]

        alice.reload()
        alice.wait_signed_in()
        alice.wait_conversation()
        self.assertFalse(alice.visible("auth"))
        self.assertTrue(alice.driver.current_url.endswith(f"/c/{self.conversation.pk}/"))
        self.assertEqual(alice.bodies(), ["before the reload"])
        self.assertEqual(alice.find("#composer-input").get_attribute("value"), "half written")
        # The reload traded the refresh token for a new one (rotation).
        self.assertNotEqual(alice.cookies()[COOKIE_NAME]["value"], refresh_before)

    def test_a_revoked_session_returns_to_the_sign_in_form_with_a_message(self):
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        # Revoked while the page is open: its socket closes, it finds out.
        response = requests.post(f"{self.server.http}/api/token/logout/", timeout=TIMEOUT,
                                 json={"refresh": alice.cookies()[COOKIE_NAME]["value"]})
        self.assertEqual(response.status_code, 204)
        alice.wait_visible("auth-message")
        self.assertIn("Please sign in again", alice.text("auth-message"))
        self.assertTrue(alice.visible("signin-form"))
        self.assertFalse(alice.visible("chat"))
        self.assertNotIn(COOKIE_NAME, alice.cookies())  # the refused cookie was deleted

        # Revoked while no page was open (no socket to tell): found on the reload.
        alice.sign_in("alice", PASSWORD)
        refresh = RefreshToken(alice.cookies()[COOKIE_NAME]["value"])
        BlacklistedToken.objects.create(token=OutstandingToken.objects.get(jti=refresh["jti"]))
        alice.reload()
        alice.wait_visible("auth-message")
        self.assertIn("Please sign in again", alice.text("auth-message"))
        self.assertFalse(alice.visible("chat"))

    def test_signing_out_revokes_the_refresh_token(self):
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        refresh = alice.cookies()[COOKIE_NAME]["value"]

        alice.click("#signout")
        alice.wait_visible("auth-message")
        self.assertEqual(alice.text("auth-message"), "You are signed out.")
        self.assertNotIn(COOKIE_NAME, alice.cookies())
        alice.reload()  # and stays so
        alice.wait_visible("signin-form")
        self.assertFalse(alice.visible("auth-message"))
        response = requests.post(f"{self.server.http}/api/token/refresh/",
                                 json={"refresh": refresh}, timeout=TIMEOUT)
        self.assertEqual(response.status_code, 401)


class ModuleLogicTests(BrowserTestCase):
    """The page's modules run in the browser on cases a live run cannot
    force (which of two racing deliveries comes first)."""

    def run_module(self, script: str):
        page = self.browser("modules")
        page.open("/")
        page.wait_visible("signin-form")
        return page.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "(async () => {" + script + "})().then(done, (e) => done(`error: ${e}`));")

    def test_resume_positions_move_with_the_socket_not_with_a_sends_response(self):
        result = self.run_module("""
            const { Conversations } = await import('/static/webchat/js/conversations.js');
            const list = new Conversations();
            list.upsert({conversation_id: 'c', last_seq: 3, last_read_seq: 3, participants: []});
            // My send's response: seq 5, while seq 4 has not reached this page.
            list.applyMessage('message.created', {conversation: 'c', seq: 5, message_id: 'm5',
              sender: {user_id: 'me'}, message_body: 'hi', sent_at: '2030-01-01T00:00:00Z'},
              'me');
            const afterSend = list.positions().c;
            list.noteDelivered('c', 4);
            return [afterSend, list.positions().c, list.get('c').last_seq,
                    list.get('c').unread_count];""")
        self.assertEqual(result, [3, 4, 5, 0])

    def test_an_event_settles_the_oldest_matching_pending_send_once(self):
        result = self.run_module("""
            const { Outbox } = await import('/static/webchat/js/outbox.js');
            const never = { request: () => new Promise(() => {}) };  // requests hang
            const box = new Outbox({ api: never, storage: window.sessionStorage,
              storageKey: 'test.outbox', onChange() {}, onSent() {} });
            const first = box.add('c', 'same words');
            const second = box.add('c', 'same words');
            box.match({ conversation: 'c', message_id: 'x', message_body: 'same words' });
            box.match({ conversation: 'c', message_id: 'x', message_body: 'same words' });
            const afterOne = [first.matchedId, second.matchedId];
            box.confirmed.add('y');
            box.match({ conversation: 'c', message_id: 'y', message_body: 'same words' });
            const keys = new Set([first.key, second.key]).size;
            box.clear();
            return [afterOne, second.matchedId ?? null, keys];""")
        self.assertEqual(result, [["x", None], None, 2])

    def test_the_list_renders_on_the_stores_change_events(self):
        result = self.run_module("""
            const { Conversations } = await import('/static/webchat/js/conversations.js');
            const { ConversationList } = await import('/static/webchat/js/conversation-list.js');
            const store = new Conversations();
            let events = 0;
            store.addEventListener('change', () => { events += 1; });
            new ConversationList({ conversations: store, me: () => ({ user_id: 'me' }),
              onOpen() {}, onMore() {} });
            store.addPage({ next: null, results: ['c1', 'c2'].map((id) => ({
              conversation_id: id, title: id, participants: [], last_seq: 0,
              last_read_seq: 0 })) });
            const afterPage = events;
            const message = { message_id: 'm1', conversation: 'c1', seq: 1,
              sender: { user_id: 'them' }, message_body: 'hello',
              sent_at: '2030-01-01T00:00:00Z', deleted_at: null };
            const preview = () => document.querySelector(
              "#conversation-list li[data-id='c1'] .preview").textContent;
            store.applyMessage('message.created', message, 'me');
            const sent = [preview(), document.title];
            store.applyMessage('message.deleted', { ...message, message_body: '',
              deleted_at: '2030-01-01T00:01:00Z' }, 'me');
            return [afterPage, events, sent, preview(),
                    document.querySelectorAll('#conversation-list li').length];""")
        self.assertEqual(result, [1, 3, ["hello", "(1) Messages"], "Message deleted", 2])

    def test_typing_notices_show_again_after_a_conversation_ended(self):
        result = self.run_module("""
            const { Typing } = await import('/static/webchat/js/typing.js');
            const current = { id: 'c1', gone: false, conversation: {
              participants: [{ user_id: 'b', full_name: 'Bob' }] } };
            const typing = new Typing({ current, me: () => ({ user_id: 'a' }),
              socketSend: () => true });
            current.gone = true;  // deleted while open: the notice line goes
            typing.hide();
            Object.assign(current, { id: 'c2', gone: false });  // the next one opens
            typing.reset();
            typing.show('b');
            const line = document.getElementById('typing');
            return [line.textContent, line.hidden, line.classList.contains('visible')];""")
        self.assertEqual(result, ["Bob is typing…", False, True])


    def test_the_access_token_is_refreshed_before_it_expires_and_a_refusal_ends_it(self):
        result = self.run_module("""
            const { Session } = await import('/static/webchat/js/session.js');
            const encode = (claims) => btoa(JSON.stringify(claims)).replace(/=+$/, '')
              .replace(/\\+/g, '-').replace(/\\//g, '_');
            const token = (seconds) => `h.${encode({ user_id: 'u',
              exp: Math.floor(Date.now() / 1000) + seconds })}.s`;
            const calls = [];
            let answer = 200;
            let code = 'token_not_valid';
            const realFetch = window.fetch;
            window.fetch = async (url, init) => {
              calls.push([url, init.credentials, init.headers['X-Chat-CSRF'], init.body ?? null]);
              const body = answer === 200 ? { access: token(900) }
                : { detail: 'refused', code };
              return new Response(JSON.stringify(body), { status: answer });
            };
            try {
              const session = new Session();
              const ended = [];
              session.onEnded = (error) => ended.push(error.message);
              // Expires in 61 s: due for refresh 60 s early, so in about a second.
              session.keep({ access: token(61) });
              await new Promise((resolve) => setTimeout(resolve, 1600));
              const refreshed = calls.slice();
              answer = 401;
              const refused = await session.refresh().then(() => 'kept', (e) => e.name);
              // A new tab without a cookie: refused quietly (no message, no onEnded).
              code = 'not_signed_in';
              const fresh = new Session();
              const quiet = await fresh.refresh().then(() => 'kept', (e) => e.message);
              session.forget();
              return [refreshed, refused, ended, quiet, session.access];
            } finally {
              window.fetch = realFetch;
            }""")
        self.assertEqual(result, [
            [["/api/session/cookie/refresh/", "same-origin", "1", None]], "SessionEnded",
            ["Your session has expired or was signed out. Please sign in again."], "", None])


class HistoryAndSafetyTests(BrowserTestCase):

    def test_older_history_loads_on_scroll_without_jumping(self):
        for n in range(1, 76):
            make_message(self.conversation, self.bob if n % 2 else self.alice, f"message {n}")
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.open_conversation(self.conversation.pk)
        bodies = alice.bodies()
        self.assertEqual(bodies, [f"message {n}" for n in range(46, 76)])
        # Where "message 46" sits within the scrolled content, before loading more.
        offset = ("const h = document.getElementById('history');"
                  "const m = document.querySelector('#messages li[data-seq=\"46\"]');"
                  "return m.getBoundingClientRect().top - h.getBoundingClientRect().top"
                  " + arguments[0] * h.scrollTop;")
        before = alice.js(offset, 1)

        alice.js("document.getElementById('history').scrollTop = 0;")
        alice.wait_until(lambda d: len(alice.bodies()) == 60, "the next older page")
        # On screen, message 46 is where it was at scrollTop 0: nothing jumped.
        self.assertAlmostEqual(alice.js(offset, 0), before, delta=4)

        alice.js("document.getElementById('history').scrollTop = 0;")
        alice.wait_until(lambda d: len(alice.bodies()) == 75, "the oldest page")
        self.assertEqual(alice.bodies(), [f"message {n}" for n in range(1, 76)])
        alice.wait_until(lambda d: alice.text("history-status")
                         == "This is the beginning of the conversation.", "the beginning")

    def test_a_message_body_with_markup_shows_as_text(self):
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.open_conversation(self.conversation.pk)
        alice.type_message(XSS)
        self.api_send(self.bob, self.conversation, f"{XSS} <b>bold?</b>")
        alice.wait_for_message(XSS)
        alice.wait_for_message(f"{XSS} <b>bold?</b>")
        self.assertEqual(alice.find_all("#messages img, #messages b, #conversation-list img"), [])
        self.assertIn("<img src=x", alice.list_item(self.conversation.pk).text)
        self.assertFalse(alice.alert_open())

    def test_an_outsiders_direct_link_shows_an_error_not_the_messages(self):
        make_message(self.conversation, self.alice, "for Bob's eyes only")
        eve = self.browser("eve")
        eve.sign_in("eve", PASSWORD)
        eve.open(f"/c/{self.conversation.pk}/")
        eve.wait_signed_in()
        eve.wait_visible("conversation-error")
        self.assertIn("not a member", eve.text("conversation-error"))
        self.assertFalse(eve.visible("conversation-body"))
        self.assertEqual(eve.find_all("#messages li"), [])
        self.assertNotIn("for Bob's eyes only", eve.driver.page_source)


class AccountAndGroupTests(BrowserTestCase):

    def test_sign_up_then_start_a_direct_conversation_by_searching(self):
        zoe = self.browser("zoe")
        zoe.open("/")
        zoe.wait_visible("show-signup").click()
        for field, value in (("username", "zoe"), ("email", "zoe@example.com"),
                             ("first_name", "Zoe"), ("last_name", "Quinn"),
                             ("password", PASSWORD)):
            zoe.find(f"#signup-{field}").send_keys(value)
        zoe.click("#signup-form button[type=submit]")
        zoe.wait_signed_in()
        self.assertEqual(zoe.text("me-name"), "Zoe Quinn")

        zoe.click("#new-chat")
        zoe.find("#new-search").send_keys("bob")
        zoe.wait_until(lambda d: zoe.find_all("#new-results button.person"), "search results")
        self.assertEqual([b.text for b in zoe.find_all("#new-results button.person")],
                         ["Bob Tester @bob"])
        zoe.click("#new-results button.person")
        zoe.click("#new-start")
        zoe.wait_conversation()
        self.assertEqual(zoe.text("conversation-title"), "Bob Tester")
        zoe.type_message("Hello Bob, I'm new here.")
        zoe.wait_for_message("Hello Bob, I'm new here.")
        conversation = Conversation.objects.get(participants__username="zoe")
        self.assertEqual(sorted(conversation.participants.values_list("username", flat=True)),
                         ["bob", "zoe"])

    def test_adding_and_removing_a_member_shows_live_for_them(self):
        group = make_conversation(self.alice, self.bob, title="Weekend trip")
        alice, eve = self.browser("alice"), self.browser("eve")
        alice.sign_in("alice", PASSWORD)
        eve.sign_in("eve", PASSWORD)
        self.assertIsNone(eve.list_item(group.pk))
        alice.open_conversation(group.pk)

        alice.click("#manage")
        alice.find("#details-search").send_keys("eve")
        alice.wait_until(lambda d: alice.find_all("#details-results button.person"),
                         "people to add")
        alice.click("#details-results button.person")
        eve.wait_until(lambda d: eve.list_item(group.pk), "the group in Eve's list")
        alice.wait_until(lambda d: "Eve Tester" in alice.text("details-members"),
                         "Eve among the members")
        self.assertIn("3 members", alice.text("conversation-members"))

        alice.click("#details-members button[aria-label='Remove Eve Tester from the conversation']")
        eve.wait_until(lambda d: eve.list_item(group.pk) is None, "the group to leave Eve's list")
        self.assertEqual(sorted(group.participants.values_list("username", flat=True)),
                         ["alice", "bob"])

    def search_in_details(self, conversation_id, name: str, *, label: str):
        """Alice opens a direct conversation's details, whose search box is
        labelled ``label``, and searches ``name``: her page, people listed."""
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.open_conversation(conversation_id)
        alice.click("#manage")
        self.assertEqual(alice.js("return document.querySelector(\"label[for='details-search']\")"
                                  ".textContent;"), label)
        alice.find("#details-search").send_keys(name)
        alice.wait_until(lambda d: alice.find_all("#details-results button.person"),
                         "people to choose")
        return alice

    def test_choosing_someone_in_a_direct_conversation_starts_a_new_group(self):
        from chats import services
        direct, _ = services.create_conversation(creator=self.alice,
                                                 users=[self.alice, self.bob])
        alice = self.search_in_details(direct.pk, "eve",
                                       label="New group with these people and\u2026")
        alice.click("#details-results button.person")
        alice.wait_until(lambda d: Conversation.objects.filter(participants=self.eve).exists(),
                         "the new group")
        group = Conversation.objects.get(participants=self.eve)
        self.assertEqual(sorted(group.participants.values_list("username", flat=True)),
                         ["alice", "bob", "eve"])
        alice.wait_until(lambda d: f"/c/{group.pk}/" in alice.driver.current_url,
                         "the page to show the new group")
        alice.wait_conversation()
        self.assertEqual(sorted(direct.participants.values_list("username", flat=True)),
                         ["alice", "bob"])

    def test_a_direct_conversation_someone_left_offers_no_way_to_add_people(self):
        """Alice is alone with her and Bob's history: choosing Eve starts a new
        conversation with Eve; Eve never joins the old one."""
        from chats import services
        direct, _ = services.create_conversation(creator=self.alice,
                                                 users=[self.alice, self.bob])
        make_message(direct, self.bob, "between the two of us")
        services.remove_participant(direct, self.bob)
        alice = self.search_in_details(direct.pk, "eve", label="New conversation with\u2026")
        self.assertEqual(alice.find("#details-results button.person").get_attribute(
            "aria-label"), "Start a conversation with Eve Tester (eve)")
        alice.click("#details-results button.person")
        alice.wait_until(lambda d: Conversation.objects.filter(participants=self.eve).exists(),
                         "the new conversation")
        fresh = Conversation.objects.get(participants=self.eve)
        self.assertNotEqual(fresh.pk, direct.pk)
        self.assertEqual(sorted(fresh.participants.values_list("username", flat=True)),
                         ["alice", "eve"])
        alice.wait_until(lambda d: f"/c/{fresh.pk}/" in alice.driver.current_url,
                         "the page to show the new conversation")
        self.assertEqual(list(direct.participants.values_list("username", flat=True)),
                         ["alice"])

    def test_phone_width_shows_one_pane_and_works_by_keyboard(self):
        make_message(self.conversation, self.bob, "hello from Bob")
        phone = self.browser("phone", width=390, height=844)
        phone.open("/")
        phone.wait_visible("signin-username")
        self.assertEqual(phone.focused().get_attribute("id"), "signin-username")
        phone.press("alice", Keys.TAB, PASSWORD, Keys.ENTER)
        phone.wait_signed_in()
        self.assertTrue(phone.visible("sidebar"))
        self.assertFalse(phone.visible("conversation"))

        for _ in range(8):  # Tab to the conversation's link, then Enter
            if phone.focused().get_attribute("class") == "conversation-link":
                break
            phone.press(Keys.TAB)
        else:
            self.fail("Tab never reached the conversation link")
        phone.press(Keys.ENTER)
        phone.wait_conversation()
        self.assertFalse(phone.visible("sidebar"))
        phone.wait_until(lambda d: phone.focused().get_attribute("id") == "composer-input",
                         "the message box to have the focus")
        phone.press("typed on a phone", Keys.ENTER)
        phone.wait_for_message("typed on a phone")
        width = phone.js("return document.documentElement.scrollWidth;")
        self.assertLessEqual(width, phone.js("return window.innerWidth;"), "no sideways scroll")

