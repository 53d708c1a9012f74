"""Conversations get an owner: each existing group its earliest member (the
lowest participant row), direct conversations none."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def own_groups(apps, schema_editor):
    """Set each group's owner to its earliest member, in one statement."""
    Conversation = apps.get_model("chats", "Conversation")
    Participant = Conversation.participants.through
    earliest = (Participant.objects.filter(conversation_id=OuterRef("pk"))
                .order_by("id").values("user_id")[:1])
    (Conversation.objects.using(schema_editor.connection.alias)
     .filter(direct_key__isnull=True).update(owner_id=Subquery(earliest)))


class Migration(migrations.Migration):

    dependencies = [
        ("chats", "0009_conversation_last_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="owner",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="owned_conversations",
                                    to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(own_groups, migrations.RunPython.noop),
    ]
