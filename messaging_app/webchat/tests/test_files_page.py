"""Files on the chat page: an image sent by one person shows inline for the
other (size known before it loads); a refused file is reported with Retry."""
import io
import tempfile
from pathlib import Path

from django.test import tag
from PIL import Image

from chats.tests.base import PASSWORD

from chats.tests.servers import Server

from .browser import browser_missing
from .test_browser import BrowserTestCase


@tag("slow")
class FilesPageTests(BrowserTestCase):

    @classmethod
    def setUpClass(cls):
        # The server keeps the files in a folder of this class's own.
        cls.media = tempfile.TemporaryDirectory()
        super(BrowserTestCase, cls).setUpClass()
        cls.missing = browser_missing()
        if cls.missing is None:
            cls.server = Server(env={"DJANGO_MEDIA_ROOT": cls.media.name})

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.media.cleanup()

    def setUp(self):
        super().setUp()
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)

    def attach(self, window, path: Path) -> None:
        window.js("document.getElementById('attach-input').hidden = false;")
        window.find("#attach-input").send_keys(str(path))

    def test_an_image_attached_shows_to_the_other_person(self):
        picture = self.folder / "sunset.png"
        out = io.BytesIO()
        Image.new("RGB", (800, 400), (250, 120, 20)).save(out, format="PNG")
        picture.write_bytes(out.getvalue())
        alice, bob = self.browser("alice"), self.browser("bob")
        for window, name in ((alice, "alice"), (bob, "bob")):
            window.sign_in(name, PASSWORD)
            window.open_conversation(self.conversation.pk)
        self.attach(alice, picture)
        bob.wait_until(lambda d: bob.find_all("#messages img.thumbnail"), "the image, live")
        image = bob.find("#messages img.thumbnail")
        # The size is in the markup before the bytes arrive (the attribute, not the
        # rendered size, which the bubble's width may scale down).
        self.assertEqual((image.get_dom_attribute("width"), image.get_dom_attribute("height")),
                         ("320", "160"))
        self.assertEqual(image.get_attribute("alt"), "sunset.png")
        bob.wait_until(lambda d: bob.js("return arguments[0].naturalWidth;", image) == 320,
                       "the thumbnail's bytes")
        self.assertTrue(image.get_attribute("src").startswith("blob:"))
        self.assertEqual(alice.find_all("#uploads .upload"), [])

    def test_a_refused_file_is_reported_with_retry(self):
        program = self.folder / "game.png"
        program.write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
        alice = self.browser("alice")
        alice.sign_in("alice", PASSWORD)
        alice.open_conversation(self.conversation.pk)
        self.attach(alice, program)
        alice.wait_until(lambda d: "Retry" in alice.text("uploads"), "the refusal")
        self.assertIn("not of an allowed type", alice.text("uploads"))
        self.assertEqual(alice.find_all("#messages li.message"), [])

