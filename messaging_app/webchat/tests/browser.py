"""Headless Chromium from Debian's packages, driven by Selenium, and a page
object for the chat page.

The browser and its driver are given by path (``CHROMIUM_BINARY``, default
``/usr/bin/chromium``; ``CHROMEDRIVER``, default ``/usr/bin/chromedriver``),
so Selenium Manager never runs and nothing is downloaded.  Without them the
browser tests skip with the reason; with ``REQUIRE_BROWSER=1`` they fail.
"""
import os
import shutil
import tempfile
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=en-US")
SCREENSHOTS = Path(os.environ.get(
    "BROWSER_SCREENSHOTS", Path(__file__).resolve().parents[2] / "browser-screenshots"))
WAIT_SECONDS = 15

try:
    from selenium import webdriver
    from selenium.common.exceptions import (NoAlertPresentException,
                                            StaleElementReferenceException, TimeoutException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # requirements-dev.txt not installed
    webdriver = None


def browser_missing():
    """Why the browser tests cannot run here, or None when they can."""
    if webdriver is None:
        return "selenium is not installed (pip install -r requirements-dev.txt)"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return f"no {path} (apt-get install {package}, or set " \
                   f"{'CHROMIUM_BINARY' if package == 'chromium' else 'CHROMEDRIVER'})"
    return None


def browser_required() -> bool:
    """True when a missing browser must fail the run (CI)."""
    return os.environ.get("REQUIRE_BROWSER") == "1"


class Browser:
    """One headless Chromium window with its own profile (its own cookies and
    storage), kept through ``restart()`` and removed on ``quit()``."""

    def __init__(self, base_url: str, width: int = 1100, height: int = 760):
        self.base_url = base_url
        self.profile = tempfile.mkdtemp(prefix="webchat-chromium-")
        self.size = (width, height)
        self.launch()

    def launch(self) -> None:
        width, height = self.size
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.add_argument(f"--window-size={width},{height}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(options=options,
                                       service=Service(executable_path=CHROMEDRIVER))
        self.driver.set_page_load_timeout(WAIT_SECONDS)
        if width < 500:  # headless windows are at least 500 px wide: emulate a phone
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})

    def restart(self) -> None:
        """Quit the browser and start it again on the same profile, as a
        person closing and reopening it."""
        self.driver.quit()
        self.launch()

    def quit(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # ---- waiting ------------------------------------------------------------

    def wait_until(self, condition, what: str, timeout: float = WAIT_SECONDS):
        """Wait for condition(driver) to be truthy; fail naming what was awaited.

        An element the page re-rendered while the condition read it counts as
        "not yet" (the next poll finds the new one), not as a failure.
        """
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1,
                                 ignored_exceptions=[StaleElementReferenceException]
                                 ).until(condition)
        except TimeoutException:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def find(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def click(self, css: str) -> None:
        """Click the element css selects, finding it again if the page
        re-rendered it between the find and the click (a stale element)."""
        def clicked(driver):
            driver.find_element(By.CSS_SELECTOR, css).click()
            return True
        self.wait_until(clicked, f"a click on {css}")

    def visible(self, element_id: str) -> bool:
        return self.js(f"const e = document.getElementById('{element_id}');"
                       "return Boolean(e && e.offsetParent !== null);")

    def text(self, element_id: str) -> str:
        return self.js(f"return document.getElementById('{element_id}').textContent;")

    def wait_visible(self, element_id: str, timeout: float = WAIT_SECONDS):
        self.wait_until(lambda d: self.visible(element_id), f"#{element_id} to show", timeout)
        return self.driver.find_element(By.ID, element_id)

    def alert_open(self) -> bool:
        try:
            self.driver.switch_to.alert  # noqa: B018 - raises when there is none
        except NoAlertPresentException:
            return False
        return True

    # ---- the chat page ------------------------------------------------------

    def open(self, path: str = "/") -> None:
        self.driver.get(self.base_url + path)

    def reload(self) -> None:
        self.driver.refresh()

    def sign_in(self, username: str, password: str) -> None:
        self.open("/")
        self.wait_visible("signin-username").send_keys(username)
        self.driver.find_element(By.ID, "signin-password").send_keys(password + Keys.ENTER)
        self.wait_signed_in()

    def wait_signed_in(self) -> None:
        self.wait_visible("chat")
        self.wait_until(lambda d: self.js("return document.getElementById('connection')"
                                          ".dataset.state") == "live",
                        "the live connection")

    def list_item(self, conversation_id):
        items = self.find_all(f"#conversation-list li[data-id='{conversation_id}']")
        return items[0] if items else None

    def unread(self, conversation_id) -> int:
        # Read in one script: the list may be redrawn between finding a row
        # and reading it (a stale element).
        value = self.js("const li = document.querySelector("
                        "`#conversation-list li[data-id='${arguments[0]}']`);"
                        "return li ? li.dataset.unread : null;", str(conversation_id))
        return -1 if value is None else int(value)

    def list_order(self) -> list:
        return self.js("return [...document.querySelectorAll('#conversation-list li')]"
                       ".map(li => li.dataset.id);")

    def open_conversation(self, conversation_id) -> None:
        self.wait_until(lambda d: self.list_item(conversation_id),
                        f"conversation {conversation_id} in the list")
        self.click(f"#conversation-list li[data-id='{conversation_id}'] a")
        self.wait_conversation()

    def wait_conversation(self) -> None:
        self.wait_visible("conversation-body")
        self.wait_until(lambda d: "Loading" not in self.text("history-status"),
                        "the history to load")

    def messages(self) -> list:
        """(state, mine, body text) of every message shown, in order."""
        return [tuple(row) for row in self.js("""
            return [...document.querySelectorAll('#messages li.message')].map((li) => [
              li.dataset.state, li.classList.contains('mine'),
              li.querySelector('.body')?.textContent ?? null]);""")]

    def bodies(self) -> list:
        return [body for _, _, body in self.messages()]

    def wait_for_message(self, body: str, state: str = "stored"):
        self.wait_until(lambda d: any(m[0] == state and m[2] == body for m in self.messages()),
                        f"message {body!r} ({state})")

    def type_message(self, text: str, send: bool = True) -> None:
        box = self.driver.find_element(By.ID, "composer-input")
        if text:
            box.send_keys(text)
        if send:
            box.send_keys(Keys.ENTER)

    def press(self, *keys) -> None:
        """Type keys into whatever has the focus (keyboard-only use)."""
        ActionChains(self.driver).send_keys(*keys).perform()

    def focused(self):
        return self.driver.switch_to.active_element

    def session_storage(self, key: str):
        return self.js("return window.sessionStorage.getItem(arguments[0]);", key)

    def new_tab(self, path: str = "/") -> str:
        """Open path in a new tab of this browser (same profile) and switch to
        it; returns its window handle."""
        self.driver.switch_to.new_window("tab")
        self.open(path)
        return self.driver.current_window_handle

    def switch_to(self, handle: str) -> None:
        self.driver.switch_to.window(handle)

    def cookies(self) -> dict:
        """Every cookie of the profile by name, whatever its path (as Chromium
        keeps it: httpOnly, secure, sameSite, path, expires...)."""
        return {c["name"]: c for c in
                self.driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]}

    def script_visible_secrets(self) -> list:
        """What page scripts can read that looks like a token: document.cookie
        and every sessionStorage / localStorage value holding a JWT."""
        return self.js(r"""
            const jwt = /eyJ[\w-]+\.[\w-]+\./;
            const found = document.cookie ? [`document.cookie: ${document.cookie}`] : [];
            for (const [name, store] of [['sessionStorage', sessionStorage],
                                         ['localStorage', localStorage]]) {
              for (let i = 0; i < store.length; i += 1) {
                const key = store.key(i);
                if (jwt.test(store.getItem(key)) || /token|refresh/i.test(key)) {
                  found.push(`${name}.${key}`);
                }
              }
            }
            return found;""")

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def script_errors(self) -> list:
        """Uncaught exceptions in the page's scripts (not failed requests)."""
        return [entry["message"] for entry in self.driver.get_log("browser")
                if entry["level"] == "SEVERE" and entry.get("source") == "javascript"]
