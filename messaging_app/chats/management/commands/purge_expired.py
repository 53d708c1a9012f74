"""``manage.py purge_expired``: delete rows that have outlived their use.

Idempotency keys older than ``IdempotencyKey.TTL_HOURS`` (a retry after that
sends again anyway) and WebSocket tickets past their expiry.  Schedule it,
e.g. hourly from cron or a systemd timer, next to simplejwt's
``flushexpiredtokens``.
"""
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from chats.models import IdempotencyKey, WebSocketTicket


class Command(BaseCommand):
    help = "Delete expired Idempotency-Key records and WebSocket tickets."

    def handle(self, *args, **options):
        now = timezone.now()
        cutoff = now - timedelta(hours=IdempotencyKey.TTL_HOURS)
        keys, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
        tickets, _ = WebSocketTicket.objects.filter(expires_at__lt=now).delete()
        self.stdout.write(f"Deleted {keys} idempotency key(s) and {tickets} ticket(s).")
