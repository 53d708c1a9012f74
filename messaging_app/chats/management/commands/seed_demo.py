"""``manage.py seed_demo``: a few users, conversations and messages, idempotently."""
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from chats import services
from chats.models import Conversation, Message, User

DEMO_PASSWORD = "demo-pass-2024"
DEMO_USERS = [
    # username, first name, last name, role
    ("alice", "Alice", "Martin", "host"),
    ("bob", "Bob", "Okafor", "guest"),
    ("carol", "Carol", "Nguyen", "guest"),
    ("admin", "Ada", "Admin", "admin"),
]
DEMO_TALK = [
    ("alice", "Hi Bob, is the flat still free next weekend?"),
    ("bob", "Hi Alice! Yes, Friday to Sunday works."),
    ("alice", "Great, I'll book it tonight."),
]


class Command(BaseCommand):
    help = ("Create demo users, conversations and messages (safe to run again). "
            "Only with DJANGO_DEBUG=1 unless --force: the accounts' password is published.")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="create the demo accounts even with debug off")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                f"seed_demo creates accounts whose password ({DEMO_PASSWORD}) is published; "
                "it runs with DJANGO_DEBUG=1, or pass --force to create them anyway.")
        # Printing happens after the commit, so a closed stdout cannot undo the data.
        with transaction.atomic():
            self.seed()
        self.report()

    def seed(self) -> None:
        """Create whatever part of the demo data is missing."""
        users = {}
        for username, first, last, role in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.com", "first_name": first,
                          "last_name": last, "role": role,
                          "is_staff": role == "admin", "is_superuser": role == "admin"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            users[username] = user

        direct, created = services.create_conversation(
            creator=users["alice"], users=[users["alice"], users["bob"]])
        if created or not direct.messages.exists():
            start = timezone.now() - timedelta(minutes=len(DEMO_TALK))
            for minutes, (username, body) in enumerate(DEMO_TALK):
                services.send_message(conversation_id=direct.pk, sender=users[username],
                                      body=body)
                Message.objects.filter(conversation=direct, message_body=body).update(
                    sent_at=start + timedelta(minutes=minutes))

        if not Conversation.objects.filter(title="Weekend trip").exists():
            group, _ = services.create_conversation(
                creator=users["carol"], users=[users["alice"], users["bob"], users["carol"]],
                title="Weekend trip")
            services.send_message(conversation_id=group.pk, sender=users["carol"],
                                  body="Who brings the tent?")

    def report(self) -> None:
        """Print what exists and how to sign in."""
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {User.objects.count()} users, "
            f"{Conversation.objects.count()} conversations, {Message.objects.count()} messages."))
        self.stdout.write("Demo logins (username / password), e.g. POST /api/token/:")
        for username, *_ in DEMO_USERS:
            self.stdout.write(f"  {username} / {DEMO_PASSWORD}")
        self.stdout.write("'admin' can also sign in to /admin/.")
