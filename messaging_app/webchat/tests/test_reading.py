"""Reading and writing ergonomics on the chat page: groups of consecutive
messages, day separators, message actions on hover or focus, and Up in the
empty message box to edit one's last message (Escape cancels)."""
from datetime import timedelta

from django.test import tag
from django.utils import timezone

from chats.models import Message
from chats.tests.base import PASSWORD

from .browser import ActionChains, Keys
from .test_browser import BrowserTestCase


@tag("slow")
class ReadingTests(BrowserTestCase):

    def say(self, user, body, minutes_ago):
        Message.objects.create(conversation=self.conversation, sender=user, message_body=body,
                               sent_at=timezone.now() - timedelta(minutes=minutes_ago))

    def test_groups_day_lines_hover_actions_and_up_arrow_edit(self):
        self.say(self.bob, "yesterday's", 24 * 60 + 5)
        self.say(self.bob, "two", 10)
        self.say(self.bob, "three", 9)
        self.say(self.alice, "mine", 8)
        self.say(self.alice, "mine again", 7)
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.open_conversation(self.conversation.pk)
        alice.wait_for_message("mine again")
        layout = alice.js("""
            return [...document.querySelectorAll('#messages > li')].map((li) =>
              li.classList.contains('date-separator') ? `day: ${li.textContent}`
              : `${li.querySelector('.body').textContent}${
                  li.classList.contains('grouped') ? ' (grouped)' : ''}`);""")
        self.assertEqual(layout, ["day: Yesterday", "yesterday's", "day: Today", "two",
                                  "three (grouped)", "mine", "mine again (grouped)"])

        opacity = "return getComputedStyle(arguments[0]).opacity;"
        actions = alice.find_all("#messages li.mine .actions")[0]
        self.assertEqual(alice.js(opacity, actions), "0")
        ActionChains(alice.driver).move_to_element(alice.find_all("#messages li.mine")[0]) \
            .perform()
        alice.wait_until(lambda d: alice.js(opacity, actions) == "1", "actions on hover")

        box = alice.find("#composer-input")
        box.click()
        box.send_keys(Keys.ARROW_UP)
        alice.wait_until(lambda d: alice.focused().get_attribute("class") == "edit-input",
                         "the edit box of my last message")
        self.assertEqual(alice.focused().get_attribute("value"), "mine again")
        alice.press(Keys.ESCAPE)
        alice.wait_until(lambda d: alice.focused().get_attribute("id") == "composer-input",
                         "Escape back to the message box")
        self.assertEqual(alice.bodies()[-1], "mine again")

        alice.press(Keys.ARROW_UP)
        alice.wait_until(lambda d: alice.focused().get_attribute("class") == "edit-input",
                         "the edit box again")
        edit = alice.focused()
        edit.send_keys(Keys.CONTROL, "a")
        edit.send_keys("mine, edited" + Keys.ENTER)
        alice.wait_for_message("mine, edited")
        alice.wait_until(lambda d: alice.focused().get_attribute("id") == "composer-input",
                         "the focus back in the message box")
        self.assertEqual(Message.objects.get(message_body="mine, edited").sender, self.alice)
