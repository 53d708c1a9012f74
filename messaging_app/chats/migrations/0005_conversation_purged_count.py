"""Conversation.purged_count: messages hard-deleted since seq numbering began."""
from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def count_holes(apps, schema_editor):
    """Set purged_count = last_seq - the messages still there, in one statement."""
    Conversation = apps.get_model("chats", "Conversation")
    Message = apps.get_model("chats", "Message")
    present = (Message.objects.filter(conversation_id=OuterRef("pk"))
               .order_by().values("conversation_id").annotate(n=Count("*")).values("n"))
    (Conversation.objects.using(schema_editor.connection.alias)
     .update(purged_count=models.F("last_seq") - Coalesce(
         Subquery(present, output_field=models.BigIntegerField()), Value(0))))


class Migration(migrations.Migration):

    dependencies = [
        ("chats", "0004_message_sender_seq_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="purged_count",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_holes, migrations.RunPython.noop),
    ]
