"""The full-text index of message bodies, one per database engine.

PostgreSQL: ``chats_message.search_vector``, a stored generated column
(``to_tsvector('simple', message_body)``) with a GIN index, and a B-tree
index on ``(conversation_id, sent_at)`` that carries it (see
``chats.content.search.page_sql`` for which one a search uses).  The database
computes it on every insert and update, so it can never lag the body.

SQLite: an FTS5 table, ``chats_message_fts`` (the body, and the
conversation id as one token so that a search can be narrowed to a
person's conversations inside the index), whose rowids are given by
``chats_message_search_row`` (message id to a stable integer: Django's
message table has a UUID key, and its implicit rowid may change on VACUUM
or a table rebuild).  Triggers on ``chats_message`` keep both in step with
every insert, body change (edit, soft delete) and hard delete, whoever
writes: the API, the admin, the shell, ``bulk_create``.

Neither is a Django field: Django never reads the column or the tables, only
``chats.content.search`` does, in SQL.  A Django migration that rebuilds
the SQLite message table drops its triggers; ``ensure_triggers`` (run after
every ``migrate``) puts them back.  The 'simple' configuration and the
unicode61 tokenizer do no stemming, so both engines match the same words.
"""
SQLITE_TABLES = [
    "CREATE TABLE IF NOT EXISTS chats_message_search_row ("
    " id INTEGER PRIMARY KEY, message_id char(32) NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS chats_message_fts USING fts5("
    " message_body, conversation, tokenize = 'unicode61 remove_diacritics 2')",
]
SQLITE_BACKFILL = [
    "INSERT INTO chats_message_search_row (message_id)"
    " SELECT message_id FROM chats_message"
    " WHERE message_id NOT IN (SELECT message_id FROM chats_message_search_row)",
    "INSERT INTO chats_message_fts (rowid, message_body, conversation)"
    " SELECT r.id, m.message_body, m.conversation_id FROM chats_message_search_row r"
    " JOIN chats_message m ON m.message_id = r.message_id"
    " WHERE r.id NOT IN (SELECT rowid FROM chats_message_fts)",
]
ROW_OF_OLD = "(SELECT id FROM chats_message_search_row WHERE message_id = old.message_id)"
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS chats_message_fts_insert AFTER INSERT ON chats_message"
    " BEGIN"
    "  INSERT INTO chats_message_search_row (message_id) VALUES (new.message_id);"
    "  INSERT INTO chats_message_fts (rowid, message_body, conversation) VALUES ("
    "   (SELECT id FROM chats_message_search_row WHERE message_id = new.message_id),"
    "   new.message_body, new.conversation_id);"
    " END",
    "CREATE TRIGGER IF NOT EXISTS chats_message_fts_update"
    " AFTER UPDATE OF message_body ON chats_message"
    " BEGIN"
    f"  UPDATE chats_message_fts SET message_body = new.message_body WHERE rowid = {ROW_OF_OLD};"
    " END",
    "CREATE TRIGGER IF NOT EXISTS chats_message_fts_delete AFTER DELETE ON chats_message"
    " BEGIN"
    f"  DELETE FROM chats_message_fts WHERE rowid = {ROW_OF_OLD};"
    "  DELETE FROM chats_message_search_row WHERE message_id = old.message_id;"
    " END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS chats_message_fts_insert",
    "DROP TRIGGER IF EXISTS chats_message_fts_update",
    "DROP TRIGGER IF EXISTS chats_message_fts_delete",
    "DROP TABLE IF EXISTS chats_message_fts",
    "DROP TABLE IF EXISTS chats_message_search_row",
]
POSTGRESQL_CREATE = [
    "ALTER TABLE chats_message ADD COLUMN search_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, message_body)) STORED",
    "CREATE INDEX chats_message_search_idx ON chats_message USING gin (search_vector)",
    # A word in many messages is looked for conversation by conversation,
    # newest first, in this index alone (no table reads).
    "CREATE INDEX chats_message_search_scan_idx ON chats_message (conversation_id, sent_at)"
    " INCLUDE (message_id, sender_id, deleted_at, search_vector)",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS chats_message_search_scan_idx",
    "DROP INDEX IF EXISTS chats_message_search_idx",
    "ALTER TABLE chats_message DROP COLUMN IF EXISTS search_vector",
]


def _run(connection, statements) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def create(connection) -> None:
    """Build the index for the engine behind connection (any existing
    messages included); other engines get none and search answers 501."""
    if connection.vendor == "sqlite":
        _run(connection, SQLITE_TABLES + SQLITE_BACKFILL + SQLITE_TRIGGERS)
    elif connection.vendor == "postgresql":
        _run(connection, POSTGRESQL_CREATE)


def drop(connection) -> None:
    """Remove what ``create`` built."""
    if connection.vendor == "sqlite":
        _run(connection, SQLITE_DROP)
    elif connection.vendor == "postgresql":
        _run(connection, POSTGRESQL_DROP)


def ensure_triggers(connection) -> None:
    """On SQLite, put back triggers a table rebuild dropped, and index any
    message written meanwhile (nothing to do when the index is current)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'chats_message_fts'")
        if cursor.fetchone() is None:
            return  # the migration creating it has not run
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                       " AND name LIKE 'chats_message_fts_%'")
        if cursor.fetchone()[0] == len(SQLITE_TRIGGERS):
            return
    _run(connection, SQLITE_BACKFILL + SQLITE_TRIGGERS)


def is_supported(connection) -> bool:
    """True when connection's engine has a full-text index of messages."""
    return connection.vendor in ("sqlite", "postgresql")


def ensure_search_triggers(sender, using="default", **kwargs) -> None:
    """``post_migrate`` receiver: ``ensure_triggers`` on the migrated database."""
    from django.db import connections
    ensure_triggers(connections[using])
