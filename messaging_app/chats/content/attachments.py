"""Files sent with messages: checked by what they are, stored through
Django's storage API, deleted with their message.

``kind_of`` sniffs the bytes (never the name) against the allow-list:
PNG, JPEG, GIF and WebP images (opened with Pillow, which also gives their
size and a thumbnail), PDF, and plain UTF-8 text.  Anything else, an HTML
page or an SVG among them, is refused; a text file holding HTML is stored
and served as ``text/plain``, as an attachment, with ``nosniff``.

``attach`` stores the file and its thumbnail first, then creates the message
and the row in one transaction; if anything fails, the stored files are
deleted again, so an upload is either whole or absent.
"""
import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .. import services
from ..models import Attachment, Message

THUMBNAIL_SIZE = 320
MAX_PIXELS = 40_000_000
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
               "WEBP": "image/webp"}
ALLOWED = "PNG, JPEG, GIF or WebP images, PDF documents and plain text"
SIGNATURES = [(b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"),
              (b"GIF89a", "GIF")]


class Refused(ValueError):
    """The file is not one the allow-list takes (the message says why)."""


class TooLarge(Refused):
    """The file is larger than ATTACHMENT_MAX_BYTES."""


def storage():
    """The ``attachments`` storage (STORAGES in the settings)."""
    return storages["attachments"]


def image_format(head: bytes) -> str | None:
    for signature, name in SIGNATURES:
        if head.startswith(signature):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def kind_of(data: bytes) -> tuple[str, object]:
    """``(content type, Pillow image or None)`` of data (bytes); raise Refused."""
    expected = image_format(data[:16])
    if expected is not None:
        from PIL import Image
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            image = Image.open(io.BytesIO(data))
            image.verify()  # a truncated or forged image fails here
            image = Image.open(io.BytesIO(data))
            image.load()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            raise Refused(f"This looks like a {expected} image but cannot be read "
                          f"({error}).") from None
        if image.format != expected:
            raise Refused(f"This starts like a {expected} image but is {image.format}.")
        return IMAGE_TYPES[expected], image
    if data.startswith(b"%PDF-"):
        return "application/pdf", None
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
            return "text/plain", None
        except UnicodeDecodeError:
            pass
    raise Refused(f"This file's contents are not of an allowed type ({ALLOWED}); the "
                  "type is decided from the bytes, not from the file's name.")


def thumbnail(image) -> tuple[bytes, int, int]:
    """A PNG at most THUMBNAIL_SIZE pixels wide and high, with its size."""
    copy = image.copy()
    copy.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    if copy.mode not in ("RGB", "RGBA"):
        copy = copy.convert("RGBA")
    out = io.BytesIO()
    copy.save(out, format="PNG")
    return out.getvalue(), copy.width, copy.height


def clean_name(name: str) -> str:
    """A file name fit for a Content-Disposition header: no path, no controls."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "file"
    return name[:255]


def attach(*, conversation_id, sender, upload, caption: str = "") -> Attachment:
    """Store upload (an UploadedFile) and send it as a new message; return the row.

    Raise Refused when it is too large or not an allowed type.
    """
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise TooLarge(f"This file is {upload.size} bytes; at most "
                      f"{settings.ATTACHMENT_MAX_BYTES} bytes are allowed.")
    data = upload.read()
    content_type, image = kind_of(data)
    attachment_id = uuid.uuid4()
    name = clean_name(upload.name or "")
    row = Attachment(attachment_id=attachment_id, uploader=sender, file_name=name,
                     content_type=content_type, size=len(data))
    stored = []
    try:
        key = f"{conversation_id}/{attachment_id}"
        row.storage_key = storage().save(key, ContentFile(data))
        stored.append(row.storage_key)
        if image is not None:
            row.width, row.height = image.width, image.height
            thumb, row.thumbnail_width, row.thumbnail_height = thumbnail(image)
            row.thumbnail_key = storage().save(f"{key}-thumbnail", ContentFile(thumb))
            stored.append(row.thumbnail_key)
        with transaction.atomic():
            row.message = services.send_message(
                conversation_id=conversation_id, sender=sender,
                body=caption or f"\U0001F4CE {name}")
            row.save(force_insert=True)
    except BaseException:
        for key in stored:
            storage().delete(key)
        raise
    return row


def delete_files(keys) -> None:
    """Delete stored files (missing ones are no error)."""
    for key in keys:
        if key:
            storage().delete(key)


@receiver(post_delete, sender=Attachment)
def attachment_deleted(sender, instance, **kwargs):
    """The row is gone (its message deleted for good, or soft-deleted): the
    files go once the transaction commits."""
    keys = [instance.storage_key, instance.thumbnail_key]
    transaction.on_commit(lambda: delete_files(keys))


@receiver(post_save, sender=Message)
def message_saved(sender, instance, created, **kwargs):
    """A soft-deleted message keeps no attachments."""
    if not created and instance.deleted_at is not None:
        for attachment in Attachment.objects.filter(message=instance):
            attachment.delete()


def payload(attachment: Attachment) -> dict:
    """An attachment as the API shows it (no storage URL: the API serves it)."""
    base = f"/api/attachments/{attachment.pk}/"
    return {
        "attachment_id": str(attachment.pk), "message_id": str(attachment.message_id),
        "file_name": attachment.file_name, "content_type": attachment.content_type,
        "size": attachment.size, "width": attachment.width, "height": attachment.height,
        "url": base,
        "thumbnail": None if not attachment.thumbnail_key else {
            "url": f"{base}thumbnail/", "width": attachment.thumbnail_width,
            "height": attachment.thumbnail_height},
    }
