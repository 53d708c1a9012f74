# Usernames that look alike (chats.accounts.usernames) become one username:
# User.username_key, unique.  Accounts that already clash keep their
# usernames: the oldest keeps the plain key, each later one gets its key with
# "#<user_id>" appended (unique, and never the key of a username anyone can
# pick), so that nothing is lost and no new look-alike can be made.

import logging

import chats.models
from django.db import migrations, models

from chats.accounts.usernames import username_key

log = logging.getLogger(__name__)


def fill_keys(apps, schema_editor):
    User = apps.get_model("chats", "User")
    taken = set()
    for user in User.objects.order_by("date_joined", "created_at", "pk").iterator():
        key = username_key(user.username)
        if key in taken:
            log.warning("username %r looks like an older account's; it is kept, keyed %r",
                        user.username, f"{key}#{user.pk}")
            key = f"{key}#{user.pk}"
        taken.add(key)
        User.objects.filter(pk=user.pk).update(username_key=key)


class Migration(migrations.Migration):

    dependencies = [
        ('chats', '0010_conversation_owner'),
    ]

    operations = [
        migrations.AlterModelManagers(
            name='user',
            managers=[
                ('objects', chats.models.AccountManager()),
            ],
        ),
        migrations.AddField(
            model_name='user',
            name='username_key',
            field=models.TextField(editable=False, null=True),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='user',
            name='username_key',
            field=models.TextField(editable=False, unique=True),
        ),
    ]
