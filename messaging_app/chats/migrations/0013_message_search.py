"""The full-text index of message bodies (``chats.content.search_index``):
a generated tsvector column with a GIN index on PostgreSQL, an FTS5 table
kept in step by triggers on SQLite; nothing on other engines."""
from django.db import migrations

from chats.content import search_index


def create(apps, schema_editor):
    search_index.create(schema_editor.connection)


def drop(apps, schema_editor):
    search_index.drop(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("chats", "0012_message_mentions"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
