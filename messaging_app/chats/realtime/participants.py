"""Conversation members as the API shows them: the public user fields with
presence (``online`` and ``last_seen_at``, ``chats.realtime.presence``)."""
from rest_framework import serializers

from ..accounts.serializers import UserSerializer
from ..payloads import datetime_or_none, public_user
from . import presence


def with_presence(people: list, last_seen: list) -> list:
    """Add ``online`` (one Redis round trip for all of them, no query) and
    ``last_seen_at`` to public user dicts."""
    states = presence.online_states([person["user_id"] for person in people])
    for person, seen in zip(people, last_seen, strict=True):
        person["online"] = states[person["user_id"]]
        person["last_seen_at"] = datetime_or_none(seen)
    return people


class ParticipantSerializer(UserSerializer):
    """A member of a conversation: the public fields and presence."""

    online = serializers.SerializerMethodField(
        help_text="True while the person has an open socket (on any server process), "
                  "false after their last one closed; null when presence is unknown "
                  "(Redis is configured but unavailable).")
    last_seen_at = serializers.DateTimeField(
        read_only=True, allow_null=True,
        help_text="When the person's last open socket closed; null if they never connected.")

    class Meta(UserSerializer.Meta):
        fields = UserSerializer.Meta.fields + ["online", "last_seen_at"]
        read_only_fields = fields

    def get_online(self, obj) -> bool | None:
        return presence.online_states([str(obj.pk)])[str(obj.pk)]

    def to_representation(self, instance):
        return with_presence([public_user(instance)], [instance.last_seen_at])[0]
