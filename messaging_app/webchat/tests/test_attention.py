"""What calls a person back to the page: browser notifications (a stubbed
``Notification``), the unread count in the tab's title and icon, bold unread
conversations, and the "New messages" line where reading stopped."""
from django.test import tag

from chats import services
from chats.models import Message
from chats.tests.base import PASSWORD, make_conversation, make_message

from .test_browser import BrowserTestCase

# Installed before the page's scripts: records notifications and permission requests.
FAKE_NOTIFICATION = """
window.__notes = [];
window.__asked = 0;
class FakeNotification {
  constructor(title, options = {}) {
    Object.assign(this, { title, body: options.body, tag: options.tag, closed: false });
    window.__notes.push(this);
  }
  close() { this.closed = true; }
}
FakeNotification.permission = 'default';
FakeNotification.requestPermission = async () => {
  window.__asked += 1;
  FakeNotification.permission = 'granted';
  return 'granted';
};
window.Notification = FakeNotification;
"""


@tag("slow")
class AttentionTests(BrowserTestCase):

    def notes(self, window) -> list:
        return window.js("return window.__notes.map((n) => [n.title, n.body, n.tag]);")

    def test_notifications_are_asked_for_on_a_click_and_come_for_other_conversations(self):
        trip = make_conversation(self.alice, self.bob, self.eve, title="Weekend trip")
        alice = self.browser("alice")
        alice.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                     {"source": FAKE_NOTIFICATION})
        alice.sign_in("alice", PASSWORD)
        alice.open_conversation(self.conversation.pk)
        self.assertEqual(alice.js("return window.__asked;"), 0)  # never on load
        bell = alice.find("#notify-toggle")
        self.assertEqual((bell.text, bell.get_attribute("aria-pressed")),
                         ("Notifications off", "false"))
        bell.click()
        alice.wait_until(lambda d: bell.get_attribute("aria-pressed") == "true", "the bell on")
        self.assertEqual(alice.js("return window.__asked;"), 1)

        self.api_send(self.bob, trip, "Anyone up for a hike?")
        alice.wait_until(lambda d: self.notes(alice), "a notification")
        self.assertEqual(self.notes(alice),
                         [["Weekend trip", "Bob Tester: Anyone up for a hike?", str(trip.pk)]])
        alice.wait_until(lambda d: d.title.startswith("(1) "), "the unread count in the title")
        icon = alice.find("link[rel='icon']")
        self.assertTrue(icon.get_attribute("href").startswith("data:image/svg+xml"))
        self.assertEqual(icon.get_attribute("data-unread"), "1")
        self.assertIn("unread", alice.list_item(trip.pk).get_attribute("class"))

        # A message in the open conversation, tab visible: no notification.
        self.api_send(self.bob, self.conversation, "in the open one")
        alice.wait_for_message("in the open one")
        alice.wait_until(lambda d: alice.unread(self.conversation.pk) == 0, "it to be read")
        self.assertEqual(len(self.notes(alice)), 1)

        # Clicking the notification opens its conversation.
        alice.js("window.__notes[0].onclick();")
        alice.wait_until(lambda d: d.current_url.endswith(f"/c/{trip.pk}/"), "the trip to open")
        alice.wait_conversation()
        alice.wait_until(lambda d: not d.title.startswith("("), "the count to clear on reading")
        self.assertEqual(alice.find("link[rel='icon']").get_attribute("data-unread"), "0")

        # Muted: nothing, though the list still counts it.
        alice.find("#mute").click()
        self.assertEqual(alice.find("#mute").get_attribute("aria-pressed"), "true")
        alice.open_conversation(self.conversation.pk)
        self.api_send(self.bob, trip, "muted news")
        alice.wait_until(lambda d: alice.unread(trip.pk) == 1, "the muted one's unread badge")
        self.assertEqual(len(self.notes(alice)), 1)

        # A hidden tab is notified even of the open conversation.
        alice.js("Object.defineProperty(document, 'hidden', { get: () => true });")
        self.api_send(self.bob, self.conversation, "while you were away")
        alice.wait_until(lambda d: len(self.notes(alice)) == 2, "the hidden tab's notification")
        self.assertEqual(self.notes(alice)[1][1], "Bob Tester: while you were away")

        # Turned off with the same bell.
        bell = alice.find("#notify-toggle")
        bell.click()
        alice.wait_until(lambda d: bell.get_attribute("aria-pressed") == "false", "the bell off")

    def test_opening_starts_at_a_new_messages_line_before_the_first_unread(self):
        for n in range(1, 41):
            make_message(self.conversation, self.bob, f"message {n}")
        self.conversation.refresh_from_db()
        services.mark_read(self.conversation, self.alice, 12)
        services.delete_message(Message.objects.get(conversation=self.conversation, seq=40))
        alice = self.browser("alice", height=600)
        alice.sign_in("alice", PASSWORD)
        alice.wait_until(lambda d: alice.list_item(self.conversation.pk), "the conversation")
        # 28 after the read position, one of them deleted.
        self.assertEqual(alice.unread(self.conversation.pk), 27)
        self.assertIn("unread", alice.list_item(self.conversation.pk).get_attribute("class"))

        alice.open_conversation(self.conversation.pk)
        alice.wait_until(lambda d: alice.find_all(".unread-divider"), "the New messages line")
        where = alice.js("""
            const line = document.querySelector('.unread-divider');
            const box = document.getElementById('history').getBoundingClientRect();
            const top = line.getBoundingClientRect().top;
            return [line.textContent, line.getAttribute('role'),
                    line.nextElementSibling.dataset.seq,
                    line.previousElementSibling.dataset.seq,
                    top >= box.top && top < box.top + box.height / 2];""")
        self.assertEqual(where, ["New messages", "separator", "13", "12", True])
        alice.screenshot("unread-divider")

    def test_the_store_leaves_deleted_messages_out_of_the_unread_count(self):
        page = self.browser("modules")
        page.open("/")
        page.wait_visible("signin-form")
        result = page.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            (async () => {
              const { Conversations } = await import('/static/webchat/js/conversations.js');
              const store = new Conversations();
              // The server's count: 3 after the read position, one deleted.
              store.upsert({ conversation_id: 'c', last_seq: 3, last_read_seq: 0,
                             unread_count: 2, participants: [] });
              const counts = [store.get('c').unread_count];
              const message = (seq, extra = {}) => ({ message_id: `m${seq}`, conversation: 'c',
                seq, sender: { user_id: 'them' }, message_body: 'x',
                sent_at: '2030-01-01T00:00:00Z', deleted_at: null, ...extra });
              store.applyMessage('message.deleted',
                                 message(2, { deleted_at: '2030-01-01T00:01:00Z' }), 'me');
              counts.push(store.get('c').unread_count);
              store.applyMessage('message.created', message(4), 'me');
              counts.push(store.get('c').unread_count);
              store.applyRead('c', 4);
              counts.push(store.get('c').unread_count);
              store.applyMessage('message.created', message(5), 'me');
              counts.push(store.get('c').unread_count);
              return counts;
            })().then(done, (e) => done(`error: ${e}`));""")
        self.assertEqual(result, [2, 1, 2, 0, 1])
