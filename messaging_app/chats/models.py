"""Users, conversations and messages.

Primary keys are UUIDs (``user_id``, ``conversation_id``, ``message_id``);
there is no ``id`` attribute anywhere, so code uses ``.pk``.
"""
import hashlib
import unicodedata
import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from .accounts.usernames import username_key

USERNAME_TAKEN = "A user with that username, or one that looks the same, already exists."


class AccountManager(UserManager):
    """Django's UserManager; ``bulk_create`` fills ``username_key`` too."""

    def bulk_create(self, objs, *args, **kwargs):
        for user in objs:
            user.username_key = username_key(user.username)
        return super().bulk_create(objs, *args, **kwargs)


class User(AbstractUser):
    """An account; login stays by ``username``.

    The password hash lives in a column named ``password_hash`` (Django's
    hashers write it; it is never stored in plain text).
    """

    class Role(models.TextChoices):
        GUEST = "guest", "Guest"
        HOST = "host", "Host"
        ADMIN = "admin", "Admin"

    user_id = models.UUIDField(primary_key=True, default=uuid.uuid4,
                               editable=False, db_index=True)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    email = models.EmailField(unique=True)
    password = models.CharField("password", max_length=128, db_column="password_hash")
    phone_number = models.CharField(max_length=32, null=True, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.GUEST)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When the user's last open socket closed (null: never connected).")
    # The username after NFKC, case folding and TR39's confusables skeleton
    # (chats.accounts.usernames), kept by save(): unique, so that no two
    # accounts have usernames that look alike.
    username_key = models.TextField(unique=True, editable=False)

    objects = AccountManager()

    REQUIRED_FIELDS = ["email", "first_name", "last_name"]

    class Meta:
        ordering = ["username"]
        constraints = [
            # One account per address whatever its case (Bob@x and bob@x alike).
            models.UniqueConstraint(Lower("email"), name="user_email_ci_uniq"),
        ]

    def __str__(self) -> str:
        return self.username

    def clean(self):
        """Refuse a username that looks like another account's (forms: the admin)."""
        super().clean()
        key = username_key(self.username or "")
        if User.objects.filter(username_key=key).exclude(pk=self.pk).exists():
            raise ValidationError({"username": USERNAME_TAKEN}, code="unique")

    def validate_unique(self, exclude=None):
        # clean() checks username_key, with a message naming the username.
        super().validate_unique(exclude={*(exclude or ()), "username_key"})

    def save(self, *args, **kwargs):
        self.username_key = username_key(self.username or "")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_key"}
        super().save(*args, **kwargs)


# The answer to an unknown conversation id, wherever it is met.
NO_CONVERSATION = "No conversation has this id."

# The order of a conversation's messages, oldest first: every message list,
# page and cursor uses it, and the conversation-order index holds exactly it.
MESSAGE_ORDERING = ("sent_at", "message_id")
NEWEST_FIRST = tuple(f"-{name}" for name in MESSAGE_ORDERING)
# The order of the conversation list: latest activity first.
ACTIVITY_ORDERING = ("-last_activity_at", "conversation_id")


class Conversation(models.Model):
    """A set of participants exchanging messages.

    The row carries its own summary, written by the same statement that
    numbers each new message (``allocate_seq``): ``last_seq`` (the newest
    message's number), ``last_message`` (that message) and
    ``last_activity_at`` (bumped by sends and membership changes, so the
    conversation list sorts by an index).

    ``is_direct`` marks a conversation made for two people without a title
    (``services.create_conversation``), for its whole life: nobody joins it,
    not even after one of the two leaves, and it has no owner.
    ``direct_key`` names the pair while both are in it; its unique
    constraint keeps one direct conversation per pair, and it is freed when
    one leaves, so that the two can start a fresh one later.

    ``owner`` is one of the participants, or None: a group is owned by its
    creator until they hand it over or go (``services.settle_owner`` says who
    then); a direct conversation has no owner.  ``chats.permissions`` says
    what the owner alone may do.
    """

    conversation_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    participants = models.ManyToManyField(User, related_name="conversations")
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_conversations")
    title = models.CharField(max_length=200, blank=True, default="")
    is_direct = models.BooleanField(
        default=False, editable=False,
        help_text="Made for two people without a title: nobody joins it and nobody owns it, "
                  "for its whole life (even after one of the two leaves).")
    direct_key = models.CharField(max_length=80, null=True, blank=True, unique=True,
                                  editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The seq of the newest message (0 before the first): unread counts are
    # last_seq minus a member's read position, with no COUNT over messages.
    last_seq = models.BigIntegerField(default=0, editable=False)
    # The message numbered last_seq; the list reads it with one join.  A
    # hard delete of it moves the pointer to the newest remaining message
    # (services.purged), an edit or soft delete shows through the join.
    last_message = models.ForeignKey("Message", null=True, blank=True, editable=False,
                                     on_delete=models.SET_NULL, related_name="+")
    # Messages hard-deleted (admin, shell, a sender's account removed; the
    # API only soft-deletes): the conversation holds last_seq - purged_count
    # messages, so an unfiltered page count needs no COUNT over messages.
    purged_count = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = list(ACTIVITY_ORDERING)
        constraints = [
            # A pair's key names a direct conversation, and a direct one has no owner.
            models.CheckConstraint(
                condition=models.Q(direct_key__isnull=True) | models.Q(is_direct=True),
                name="conversation_direct_key_is_direct"),
            models.CheckConstraint(
                condition=models.Q(is_direct=False) | models.Q(owner__isnull=True),
                name="conversation_direct_has_no_owner"),
        ]

    @property
    def message_count(self) -> int:
        """How many messages the conversation holds (no query)."""
        return self.last_seq - self.purged_count

    def __str__(self) -> str:
        return self.title or f"Conversation {self.conversation_id}"

    @staticmethod
    def direct_key_for(user_a_pk, user_b_pk) -> str:
        """Return the key naming the direct conversation between two users."""
        first, second = sorted([str(user_a_pk), str(user_b_pk)])
        return f"{first}:{second}"


def allocate_seq(conversation_id, count: int, last_message_id, touch_at) -> int | None:
    """Number ``count`` new messages of a conversation; return the last number.

    One ``UPDATE ... RETURNING`` of the conversation row moves ``last_seq``
    by ``count``, points ``last_message`` at ``last_message_id`` (the
    message that gets the last number; it is inserted later in the same
    transaction, and the foreign key is checked at commit) and sets
    ``last_activity_at``.  The row lock it takes is held until the caller's
    transaction ends, so concurrent senders queue here and get consecutive
    numbers with no holes, on SQLite and PostgreSQL alike.  Return None
    when the conversation does not exist.

    Django's ``update()`` cannot return the new value, hence this one
    statement written by hand.
    """
    quote = connection.ops.quote_name
    table = quote(Conversation._meta.db_table)
    fields = {"pk": Conversation._meta.pk,
              **{name: Conversation._meta.get_field(name)
                 for name in ("last_message", "last_activity_at")}}
    params = [count,
              fields["last_message"].get_db_prep_value(last_message_id, connection),
              fields["last_activity_at"].get_db_prep_value(touch_at, connection),
              fields["pk"].get_db_prep_value(conversation_id, connection)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {quote('last_seq')} = {quote('last_seq')} + %s, "
            f"{quote(fields['last_message'].column)} = %s, "
            f"{quote('last_activity_at')} = %s "
            f"WHERE {quote(fields['pk'].column)} = %s RETURNING {quote('last_seq')}", params)
        row = cursor.fetchone()
    return None if row is None else row[0]


class MessageQuerySet(models.QuerySet):
    """``bulk_create`` numbers messages that have no ``seq`` yet."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        pending = {}
        for obj in objs:
            if obj.seq is None:
                pending.setdefault(obj.conversation_id, []).append(obj)
        with transaction.atomic(using=self.db):
            for conversation_id, group in pending.items():
                newest = group[-1]
                last = allocate_seq(conversation_id, len(group), newest.pk,
                                    newest.sent_at or timezone.now())
                if last is None:
                    raise Conversation.DoesNotExist(NO_CONVERSATION)
                for offset, obj in enumerate(group):
                    obj.seq = last - len(group) + 1 + offset
            return super().bulk_create(objs, *args, **kwargs)


# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt,
# Unicode 15.1; Python's unicodedata does not expose it): code points a
# renderer draws as nothing when it does not support them.  Among them the
# soft hyphen, zero-width space and joiners, bidi marks, embeddings and
# isolates, variation selectors (U+FE00..FE0F, U+E0100..E01EF), Hangul
# fillers, tag characters (U+E0000..E007F) and the reserved blocks kept for
# future ones.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Drawn as nothing but not default-ignorable: the blank Braille pattern.
INVISIBLE = frozenset("\u2800")
# Whitespace and the categories of invisible controls: format, control, and
# the separators.
INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})


def is_default_ignorable(ch: str) -> bool:
    """True when the character ch has Unicode's Default_Ignorable_Code_Point property."""
    point = ord(ch)
    return any(low <= point <= high for low, high in DEFAULT_IGNORABLE)


def is_blank(text: str) -> bool:
    """True when text (str) has no character a reader would see: only
    whitespace, controls, format characters and default-ignorable code points.
    A message body must have one visible character."""
    return all(ch.isspace() or ch in INVISIBLE or is_default_ignorable(ch)
               or unicodedata.category(ch) in INVISIBLE_CATEGORIES for ch in text)


class Message(models.Model):
    """One message, ordered in its conversation by ``MESSAGE_ORDERING``.

    ``seq`` numbers the messages of a conversation 1, 2, 3, ... with no
    holes; it is assigned on insert, whatever inserts the message (the API,
    the admin, the shell, ``bulk_create``).  A deleted message keeps its
    place: the body is blanked and ``deleted_at`` set.
    """

    MAX_BODY_LENGTH = 10_000

    message_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sender = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sent_messages")
    # No single-column index: the conversation-order index below starts with it.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages", db_index=False)
    message_body = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    seq = models.BigIntegerField(editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The ids (strings) of the members the body names as @username, in order,
    # written by the send, edit and delete services (chats.services); Mention rows
    # hold the same for counting.
    mentions = models.JSONField(default=list, blank=True, editable=False)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = list(MESSAGE_ORDERING)
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_conv_seq_uniq"),
        ]
        indexes = [
            # The conversation-order index: pages and cursors read it in order.
            models.Index(fields=["conversation", *MESSAGE_ORDERING],
                         name="message_conv_sent_id_idx"),
            # A member's newest own message: what they have read at least.
            models.Index(fields=["conversation", "sender", "seq"],
                         name="message_conv_sender_seq_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sender_id}: {self.message_body[:40]}"

    def save(self, *args, **kwargs):
        """Insert with the next ``seq`` of the conversation.

        With ``sent_at`` left None the time is taken after the seq is
        allocated (under the row lock), so ``MESSAGE_ORDERING`` and ``seq``
        order agree however many senders race; ``send_message`` does this.
        A ``sent_at`` given explicitly is kept.
        """
        if self.seq is None:  # a new message (a stored one always has its seq)
            with transaction.atomic(using=kwargs.get("using"), savepoint=False):
                self.seq = allocate_seq(self.conversation_id, 1, self.pk,
                                        self.sent_at or timezone.now())
                if self.seq is None:
                    raise Conversation.DoesNotExist(NO_CONVERSATION)
                if self.sent_at is None:
                    self.sent_at = timezone.now()
                return super().save(*args, **kwargs)
        return super().save(*args, **kwargs)


class MessageEdit(models.Model):
    """A previous body of an edited message (its edit history)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="edits")
    message_body = models.TextField()
    # When this body was written: the message's sent_at or its previous edit.
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message", "replaced_at", "id"]


class Mention(models.Model):
    """A member named as @username in a message: what their unread mention
    count counts (``conversation`` and ``seq`` copied from the message so the
    count reads one index).  Written with the message; gone when it is deleted."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mention_rows")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mentions")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="+", db_index=False)
    seq = models.BigIntegerField()

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [models.UniqueConstraint(fields=["message", "user"],
                                               name="mention_message_user_uniq")]
        indexes = [models.Index(fields=["user", "conversation", "seq"],
                                name="mention_user_conv_seq_idx")]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.message_id}"


class ReadMarker(models.Model):
    """How far a member has read a conversation (a seq; only moves forward).

    A member has also read everything up to their own newest message, so
    their read position is ``max(last_read_seq, own newest seq)``
    (``chats.queries.read_position``): sending costs no marker write.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="read_markers")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="read_markers")
    last_read_seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="read_marker_uniq"),
        ]


class IdempotencyKey(models.Model):
    """A send made with an ``Idempotency-Key`` header: the key, what was asked
    (a hash of conversation and body) and the message it created."""

    TTL_HOURS = 24

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_uniq"),
        ]


class WebSocketTicket(models.Model):
    """A short-lived, single-use ticket that opens one WebSocket.

    Only a SHA-256 of the ticket is stored.  ``since`` holds the resume
    positions (conversation id to last seen seq) the client sent with it.
    """

    TTL_SECONDS = 30

    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    since = models.JSONField(default=dict, blank=True)
    expires_at = models.DateTimeField(db_index=True)
    # The login that asked for it (chats.accounts.revocation): the socket closes on its
    # logout and when its access token expires.
    session_id = models.CharField(max_length=64, blank=True, default="")
    auth_expires_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def digest_of(ticket: str) -> str:
        """What is stored of a ticket: its SHA-256, in hex."""
        return hashlib.sha256(ticket.encode()).hexdigest()


class Reaction(models.Model):
    """One person's emoji on a message, stored once per person and emoji
    (``chats.content.reactions`` names the emoji allowed)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message", "created_at", "id"]
        constraints = [
            # Also the index that reads a message's reactions.
            models.UniqueConstraint(fields=["message", "user", "emoji"],
                                    name="reaction_once_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.emoji} on {self.message_id}"


class Attachment(models.Model):
    """A file sent with a message, kept in the ``attachments`` storage
    (``chats.content.attachments``) under a key naming no user input.

    ``content_type`` is what the bytes are (sniffed), whatever the file was
    called; images have their size and a thumbnail.  Deleting the message
    (soft or hard) deletes the row and the stored files.
    """

    attachment_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    uploader = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    storage_key = models.CharField(max_length=255)
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)
    thumbnail_key = models.CharField(max_length=255, blank=True, default="")
    thumbnail_width = models.IntegerField(null=True, blank=True)
    thumbnail_height = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message", "created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.content_type}, {self.size} bytes)"
