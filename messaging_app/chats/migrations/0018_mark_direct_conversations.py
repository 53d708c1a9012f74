"""Mark the existing direct conversations (``is_direct``), without an owner.

What can be told from the rows:

- A conversation with a ``direct_key`` is direct: certain.
- One that one of the two left lost its key (and its remaining member was
  made its owner); nothing records that it was direct.  It is recognised
  when it has no title, exactly one member, and its history names at most
  two people (members, senders of its messages, holders of read markers,
  which stay after a member leaves).  A group made through the API has a
  title or three people at the start, so it matches only if everyone but
  one left without sending or reading anything; a group made in the admin
  or the shell for two people, one of whom left, matches too.  Marking such
  a group direct costs its lone member nothing but adding people to it (they
  can start a new conversation).
- A former direct conversation that already took in a newcomer, or that was
  renamed, cannot be told from a group, and stays a group.

Backwards, the marks go and every conversation without a key gets the owner
rule of 0010 again (its earliest member owns it); the schema step is 0017.
"""
from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery

BATCH = 500


def people_in_history(apps, alias, conversation_ids) -> dict:
    """Conversation id to the ids of the users its rows name."""
    Conversation = apps.get_model("chats", "Conversation")
    Message = apps.get_model("chats", "Message")
    ReadMarker = apps.get_model("chats", "ReadMarker")
    Participant = Conversation.participants.through
    people = {pk: set() for pk in conversation_ids}
    for rows in (
        Participant.objects.using(alias).filter(conversation_id__in=conversation_ids)
        .values_list("conversation_id", "user_id"),
        Message.objects.using(alias).filter(conversation_id__in=conversation_ids)
        .values_list("conversation_id", "sender_id").distinct(),
        ReadMarker.objects.using(alias).filter(conversation_id__in=conversation_ids)
        .values_list("conversation_id", "user_id"),
    ):
        for conversation_id, user_id in rows:
            people[conversation_id].add(user_id)
    return people


def mark_direct(apps, schema_editor):
    alias = schema_editor.connection.alias
    Conversation = apps.get_model("chats", "Conversation")
    conversations = Conversation.objects.using(alias)
    conversations.filter(direct_key__isnull=False).update(is_direct=True, owner=None)
    candidates = list(
        conversations.filter(direct_key__isnull=True, title="")
        .annotate(members=Count("participants")).filter(members=1)
        .values_list("pk", flat=True))
    for start in range(0, len(candidates), BATCH):
        batch = candidates[start:start + BATCH]
        former = [pk for pk, people in people_in_history(apps, alias, batch).items()
                  if len(people) <= 2]
        conversations.filter(pk__in=former).update(is_direct=True, owner=None)


def unmark_direct(apps, schema_editor):
    """Give the conversations without a key their earliest member as owner
    (the owner rule before 0017), in one statement."""
    Conversation = apps.get_model("chats", "Conversation")
    Participant = Conversation.participants.through
    earliest = (Participant.objects.filter(conversation_id=OuterRef("pk"))
                .order_by("id").values("user_id")[:1])
    (Conversation.objects.using(schema_editor.connection.alias)
     .filter(is_direct=True, direct_key__isnull=True).update(owner_id=Subquery(earliest)))


class Migration(migrations.Migration):

    dependencies = [
        ("chats", "0017_conversation_is_direct"),
    ]

    operations = [
        # Backwards the constraints go first (DDL), then the owners are set:
        # PostgreSQL refuses an ALTER TABLE after rows with pending foreign
        # key checks in the same transaction, hence the field's removal in 0017.
        migrations.RunPython(mark_direct, unmark_direct),
        migrations.AddConstraint(
            model_name="conversation",
            constraint=models.CheckConstraint(
                condition=models.Q(direct_key__isnull=True) | models.Q(is_direct=True),
                name="conversation_direct_key_is_direct"),
        ),
        migrations.AddConstraint(
            model_name="conversation",
            constraint=models.CheckConstraint(
                condition=models.Q(is_direct=False) | models.Q(owner__isnull=True),
                name="conversation_direct_has_no_owner"),
        ),
    ]
