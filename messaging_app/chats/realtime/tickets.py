"""The WebSocket ticket's request (resume positions) and answer (the ticket,
its lifetime and the path to open), as ``POST /api/ws-ticket/`` reads and
writes them."""
import uuid

from rest_framework import serializers

from ..models import WebSocketTicket


class WebSocketTicketRequestSerializer(serializers.Serializer):
    """Optional resume positions: conversation id to the last seq you saw."""

    since = serializers.DictField(child=serializers.IntegerField(min_value=0), required=False,
                                 default=dict)

    def validate_since(self, value):
        cleaned = {}
        for key, seq in value.items():
            try:
                cleaned[str(uuid.UUID(str(key)))] = seq
            except ValueError:
                raise serializers.ValidationError(f"Not a conversation id: {key[:40]}.",
                                                  code="invalid") from None
        if len(cleaned) > 1000:
            raise serializers.ValidationError("At most 1000 conversations.", code="max_length")
        return cleaned


class WebSocketTicketSerializer(serializers.Serializer):
    """A single-use ticket for ``/ws/events/?ticket=...``, from ``{"ticket"}``."""

    ticket = serializers.CharField()
    expires_in = serializers.SerializerMethodField(help_text="Seconds the ticket stays valid.")
    url = serializers.SerializerMethodField(help_text="Path to open, ticket included.")

    def get_expires_in(self, obj) -> int:
        return WebSocketTicket.TTL_SECONDS

    def get_url(self, obj) -> str:
        return f"/ws/events/?ticket={obj['ticket']}"
