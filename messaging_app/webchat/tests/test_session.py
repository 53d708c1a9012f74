"""The chat page's session in a real browser: the refresh token in an
HttpOnly cookie, the access token in memory; new tabs, reloads and a browser
restart stay signed in, and signing out in one tab ends every tab's session."""
import time

from django.test import tag

from chats.accounts.cookie_session import COOKIE_NAME, COOKIE_PATH
from chats.tests.base import PASSWORD

from .test_browser import BrowserTestCase


@tag("slow")
class SessionTests(BrowserTestCase):

    def test_the_refresh_cookie_is_httponly_strict_secure_and_lasts(self):
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        cookie = alice.cookies()[COOKIE_NAME]
        self.assertEqual((cookie["httpOnly"], cookie["secure"], cookie["sameSite"],
                          cookie["path"]), (True, True, "Strict", COOKIE_PATH))
        # Persistent (not a session cookie): about the refresh token's 7 days.
        self.assertGreater(cookie["expires"], time.time() + 6 * 86400)
        self.assertEqual(alice.script_visible_secrets(), [])
        self.assertEqual(alice.js("return document.cookie;"), "")

    def test_a_new_tab_and_a_browser_restart_stay_signed_in(self):
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        first = alice.driver.current_window_handle
        alice.new_tab(f"/c/{self.conversation.pk}/")
        alice.wait_signed_in()
        alice.wait_conversation()
        self.assertFalse(alice.visible("auth"))
        self.assertEqual(alice.script_visible_secrets(), [])
        # Two more tabs opened at once refresh at once: they take turns (each
        # rotation changes the cookie), so neither is refused.
        alice.js("window.open('/'); window.open('/');")
        alice.wait_until(lambda d: len(d.window_handles) == 4, "two more tabs")
        for handle in alice.driver.window_handles:
            alice.switch_to(handle)
            alice.wait_signed_in()
        alice.switch_to(first)
        alice.reload()
        alice.wait_signed_in()

        alice.restart()
        alice.open("/")
        alice.wait_signed_in()
        self.assertEqual(alice.text("me-name"), "Alice Tester")
        self.assertEqual(alice.script_visible_secrets(), [])

    def test_signing_out_in_one_tab_ends_the_session_in_the_others(self):
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.open_conversation(self.conversation.pk)
        first = alice.driver.current_window_handle
        alice.new_tab("/")
        alice.wait_signed_in()

        alice.find("#signout").click()
        alice.wait_visible("auth-message")
        self.assertEqual(alice.text("auth-message"), "You are signed out.")

        alice.switch_to(first)  # told through its socket, closed for the login
        alice.wait_visible("auth-message")
        self.assertIn("signed out (in another tab", alice.text("auth-message"))
        self.assertFalse(alice.visible("chat"))
        alice.new_tab("/")  # and a new tab starts signed out, without a message
        alice.wait_visible("signin-form")
        self.assertFalse(alice.visible("auth-message"))
        self.assertNotIn(COOKIE_NAME, alice.cookies())
