"""Conversations record whether they were made direct (``is_direct``), apart
from ``direct_key``, which is freed when one of the two leaves.  The field
alone; 0018 fills it and adds the constraints."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("chats", "0016_user_last_seen_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="is_direct",
            field=models.BooleanField(
                default=False, editable=False,
                help_text="Made for two people without a title: nobody joins it and nobody "
                          "owns it, for its whole life (even after one of the two leaves)."),
        ),
    ]
