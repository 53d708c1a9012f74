"""Conversation.last_message: the conversation's newest message, on its row."""
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def point_at_newest(apps, schema_editor):
    """Set last_message to each conversation's highest-seq message, in one statement."""
    Conversation = apps.get_model("chats", "Conversation")
    Message = apps.get_model("chats", "Message")
    newest = (Message.objects.filter(conversation_id=OuterRef("pk"))
              .order_by("-seq").values("pk")[:1])
    (Conversation.objects.using(schema_editor.connection.alias)
     .update(last_message_id=Subquery(newest)))


class Migration(migrations.Migration):

    dependencies = [
        ("chats", "0008_websocketticket_login"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="last_message",
            field=models.ForeignKey(blank=True, editable=False, null=True,
                                    on_delete=models.deletion.SET_NULL, related_name="+",
                                    to="chats.message"),
        ),
        migrations.RunPython(point_at_newest, migrations.RunPython.noop),
    ]
