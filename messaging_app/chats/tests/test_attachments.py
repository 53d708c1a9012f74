"""Attachments: sniffed types, the size limit, thumbnails, authorized
downloads only, files deleted with their message, nothing half-stored."""
import io
import tempfile
from pathlib import Path
from unittest.mock import patch

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient, APITestCase

from chats import services
from chats.content import attachments
from chats.models import Attachment, Message

from .base import make_conversation, make_user


def png(width=640, height=480) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


class AttachmentTests(APITestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        self.folder = Path(folder.name)
        override = override_settings(ATTACHMENT_MAX_BYTES=200_000, STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            "attachments": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                            "OPTIONS": {"location": self.folder}}})
        override.enable()
        self.addCleanup(override.disable)
        self.alice, self.bob, self.eve = make_user("alice"), make_user("bob"), make_user("eve")
        self.conversation = make_conversation(self.alice, self.bob)
        self.url = reverse("conversation-attachments", args=[self.conversation.pk])

    def client_for(self, user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    def upload(self, data: bytes, name: str, user=None, **extra):
        return self.client_for(user or self.alice).post(
            self.url, {"file": SimpleUploadedFile(name, data), **extra}, format="multipart")

    def stored(self) -> list:
        return sorted(path.name for path in self.folder.rglob("*") if path.is_file())

    def test_an_image_is_stored_with_its_size_and_a_thumbnail_and_sent_as_a_message(self):
        response = self.upload(png(), "holiday.png", message_body="the beach")
        self.assertEqual(response.status_code, 201, response.data)
        data = response.data
        self.assertEqual((data["content_type"], data["width"], data["height"]),
                         ("image/png", 640, 480))
        self.assertEqual((data["thumbnail"]["width"], data["thumbnail"]["height"]), (320, 240))
        message = Message.objects.get(pk=data["message_id"])
        self.assertEqual((message.message_body, message.sender), ("the beach", self.alice))
        self.assertEqual(len(self.stored()), 2)

    def test_the_type_comes_from_the_bytes_not_the_name(self):
        response = self.upload(png(8, 8), "notes.txt")
        self.assertEqual(response.data["content_type"], "image/png")
        text = self.upload(b"<html><script>alert(1)</script></html>", "page.html")
        self.assertEqual((text.status_code, text.data["content_type"]), (201, "text/plain"))
        pdf = self.upload(b"%PDF-1.7\n...", "scan.bin")
        self.assertEqual(pdf.data["content_type"], "application/pdf")

    def test_other_types_are_refused_whatever_their_name(self):
        for data, name in ((b"MZ\x90\x00\x03\x00\x00\x00\x04", "cat.png"),
                           (b"\x89PNG\r\n\x1a\nnot really", "broken.png"),
                           (b"\xff\xfe\x00\x00binary", "a.txt")):
            with self.subTest(name=name):
                response = self.upload(data, name)
                self.assertEqual(response.status_code, 415)
                self.assertEqual(response.data["code"], "unsupported_type")
        self.assertEqual((self.stored(), Message.objects.count()), ([], 0))

    def test_a_file_over_the_limit_is_a_413_and_nothing_is_stored(self):
        response = self.upload(b"a" * 200_001, "big.txt")
        self.assertEqual(response.status_code, 413)
        self.assertIn("at most 200000 bytes", response.data["detail"])
        self.assertEqual((self.stored(), Message.objects.count()), ([], 0))

    def test_a_failure_after_storing_leaves_no_file_and_no_message(self):
        with patch.object(services, "send_message", side_effect=RuntimeError("db down")):
            with self.assertRaises(RuntimeError), self.assertLogs("django.request", "ERROR"):
                self.upload(png(), "x.png")
        self.assertEqual((self.stored(), Message.objects.count(), Attachment.objects.count()),
                         ([], 0, 0))

    def test_participants_download_with_safe_headers_and_outsiders_get_nothing(self):
        data = b"<svg onload=alert(1)>"
        attachment = self.upload(data, "evil.svg").data
        url = reverse("attachment-download", args=[attachment["attachment_id"]])
        response = self.client_for(self.bob).get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), data)
        self.assertEqual(response["Content-Type"], "text/plain")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        self.assertIn('filename="evil.svg"', response["Content-Disposition"])
        self.assertIn("sandbox", response["Content-Security-Policy"])
        outsider = self.client_for(self.eve).get(url)
        self.assertEqual(outsider.status_code, 403)
        self.assertNotIn("streaming_content", vars(outsider))
        self.assertEqual(APIClient().get(url).status_code, 401)

    def test_the_thumbnail_is_served_to_participants_only(self):
        attachment = self.upload(png(), "p.png").data
        url = reverse("attachment-thumbnail", args=[attachment["attachment_id"]])
        response = self.client_for(self.bob).get(url)
        self.assertEqual((response.status_code, response["Content-Type"]), (200, "image/png"))
        image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
        self.assertEqual(image.size, (320, 240))
        self.assertEqual(self.client_for(self.eve).get(url).status_code, 403)

    def test_deleting_the_message_deletes_the_files(self):
        first = self.upload(png(), "a.png").data
        second = self.upload(b"plain", "b.txt").data
        with self.captureOnCommitCallbacks(execute=True):
            services.delete_message(Message.objects.get(pk=first["message_id"]))
        self.assertEqual(len(self.stored()), 1)
        with self.captureOnCommitCallbacks(execute=True):
            Message.objects.get(pk=second["message_id"]).delete()
        self.assertEqual((self.stored(), Attachment.objects.count()), ([], 0))
        gone = reverse("attachment-download", args=[first["attachment_id"]])
        self.assertEqual(self.client_for(self.alice).get(gone).status_code, 404)

    def test_outsiders_cannot_upload_and_a_range_lists_attachments_by_seq(self):
        self.assertEqual(self.upload(b"hi", "a.txt", user=self.eve).status_code, 403)
        self.upload(b"hi", "a.txt")
        response = self.client_for(self.bob).get(self.url, {"from_seq": 1, "to_seq": 5})
        self.assertEqual(list(response.data["attachments"]), ["1"])
        self.assertEqual(response.data["attachments"]["1"][0]["file_name"], "a.txt")

    def test_a_names_path_and_control_characters_are_dropped(self):
        self.assertEqual(attachments.clean_name("../../etc/pa\u202esswd\n"), "passwd")
        self.assertEqual(attachments.clean_name("C:\\Users\\x\\report.pdf"), "report.pdf")
        self.assertEqual(attachments.clean_name("\n"), "file")
