"""Full-text search over the messages of the conversations a person is in.

``parse_query`` turns what someone typed into terms: runs of letters and
digits, lower-cased, every one required; a term ending in ``*`` matches as
a prefix (``deploy*`` finds "deployment").  ``search`` asks the engine's
index (``chats.content.search_index``) for one page of hits, best first,
within the requester's conversations only, then reads those messages with
their senders and conversations: two queries whatever the page size.
``snippet`` cuts the part of a body around the first match into fragments
that say which words matched: data for the client to draw, never HTML.
"""
import re
import unicodedata
from dataclasses import dataclass

from django.db import connection

from ..models import Conversation, Message

MAX_QUERY_LENGTH = 400
MAX_TERMS = 16
SNIPPET_LENGTH = 160
SNIPPET_LEAD = 50
# A word: a run of letters and digits (the underscore separates words in
# both engines' tokenizers, so it does here too).
WORD = re.compile(r"[^\W_]+")
TERM = re.compile(r"([^\W_]+)(\*?)")


class QueryError(ValueError):
    """What was typed is not a search (too long, no words, too many words)."""


@dataclass(frozen=True)
class Term:
    """One word to look for; ``prefix`` when it matches any word it begins."""

    text: str
    prefix: bool = False


def parse_query(raw: str) -> list[Term]:
    """Return the terms of raw (str), duplicates dropped, in order.

    Raise QueryError naming the problem when raw is longer than
    MAX_QUERY_LENGTH characters, has no letter or digit, or more than
    MAX_TERMS words.
    """
    if len(raw) > MAX_QUERY_LENGTH:
        raise QueryError(f"q is {len(raw)} characters long; at most {MAX_QUERY_LENGTH} "
                         "are allowed.")
    terms = []
    for match in TERM.finditer(raw):
        term = Term(match.group(1).lower(), bool(match.group(2)))
        if term not in terms:
            terms.append(term)
    if not terms:
        raise QueryError("q needs at least one word (letters or digits) to search for.")
    if len(terms) > MAX_TERMS:
        raise QueryError(f"q has {len(terms)} words; at most {MAX_TERMS} are searched for.")
    return terms


def tsquery(terms: list[Term]) -> str:
    """The terms as PostgreSQL ``to_tsquery`` text: ``'a' & 'b':*``.

    Terms hold letters and digits only, so quoting them cannot be escaped.
    """
    return " & ".join(f"'{term.text}'" + (":*" if term.prefix else "") for term in terms)


def fts5_query(terms: list[Term]) -> str:
    """The terms as an FTS5 MATCH expression: ``"a" "b"*`` (all required)."""
    return " ".join(f'"{term.text}"' + ("*" if term.prefix else "") for term in terms)


def page_sql(vendor: str, *, conversation, sender):
    """The SQL for one page of hit ids and the order its parameters take.

    Hits are the requester's conversations' messages that are not deleted,
    best first (PostgreSQL's ``ts_rank``, SQLite's bm25), newest first among
    equals.  Returns ``(sql, names)``: names of the parameters in order.
    """
    mine = ("m.conversation_id IN (SELECT p.conversation_id FROM "
            "chats_conversation_participants p WHERE p.user_id = %s)")
    narrow, names = "", ["user"]
    if conversation:
        narrow += " AND m.conversation_id = %s"
        names.append("conversation")
    if sender:
        narrow += " AND m.sender_id = %s"
        names.append("sender")
    if vendor == "postgresql":
        sql = ("SELECT m.message_id, ts_rank(m.search_vector, q.query) AS score"
               " FROM chats_message m, to_tsquery('simple', %s) AS q(query)"
               f" WHERE m.search_vector @@ q.query AND m.deleted_at IS NULL AND {mine}{narrow}"
               " ORDER BY score DESC, m.sent_at DESC, m.message_id DESC LIMIT %s OFFSET %s")
        return sql, ["query", *names, "limit", "offset"]
    sql = ("SELECT m.message_id, -f.rank AS score FROM chats_message_fts f"
           " JOIN chats_message_search_row r ON r.id = f.rowid"
           " JOIN chats_message m ON m.message_id = r.message_id"
           f" WHERE chats_message_fts MATCH %s AND m.deleted_at IS NULL AND {mine}{narrow}"
           " ORDER BY f.rank, m.sent_at DESC, m.message_id DESC LIMIT %s OFFSET %s")
    return sql, ["query", *names, "limit", "offset"]


@dataclass
class Hit:
    """A message that matched, with its score (higher is better) and snippet."""

    message: Message
    score: float
    snippet: list


def search(user, terms: list[Term], *, conversation=None, sender=None, offset: int = 0,
           limit: int = 20) -> list[Hit]:
    """Up to ``limit`` hits for terms among user's conversations, from ``offset``.

    conversation and sender (ids) narrow the search; a conversation user is
    not in gives nothing.  Each hit's message has its sender's public
    fields and its conversation's title loaded.  Raise NotImplementedError
    on an engine with no full-text index.
    """
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"Message search needs PostgreSQL or SQLite, not {vendor}.")
    sql, names = page_sql(vendor, conversation=conversation, sender=sender)
    field = Message._meta.pk
    values = {
        "query": tsquery(terms) if vendor == "postgresql" else fts5_query(terms),
        "user": field.get_db_prep_value(user.pk, connection),
        "conversation": field.get_db_prep_value(conversation, connection),
        "sender": field.get_db_prep_value(sender, connection),
        "limit": limit, "offset": offset,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, [values[name] for name in names])
        rows = cursor.fetchall()
    scores = {field.to_python(message_id): score for message_id, score in rows}
    messages = Message.objects.select_related("sender", "conversation").only(
        "message_id", "conversation_id", "message_body", "sent_at", "edited_at", "seq",
        "deleted_at", "sender__user_id", "sender__username", "sender__first_name",
        "sender__last_name", "conversation__conversation_id", "conversation__title").in_bulk(
        list(scores))
    return [Hit(messages[pk], float(score), snippet(messages[pk].message_body, terms))
            for pk, score in scores.items() if pk in messages]


def fold(word: str) -> str:
    """word lower-cased and without accents: how the indexes compare words."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def matches(word: str, terms: list[Term]) -> bool:
    """True when word (as written in a body) is one of the terms."""
    folded = fold(word)
    return any(folded.startswith(fold(term.text)) if term.prefix else folded == fold(term.text)
               for term in terms)


def snippet(body: str, terms: list[Term]) -> list[dict]:
    """The part of body around its first match, as ``[{"text", "highlight"}]``.

    Fragments joined give the excerpt; ``highlight`` marks the words that
    matched.  At most about SNIPPET_LENGTH characters, starting up to
    SNIPPET_LEAD characters before the first match, at a word boundary; an
    ellipsis marks a cut.
    """
    words = [match for match in WORD.finditer(body) if matches(match.group(), terms)]
    start = 0
    if words and words[0].start() > SNIPPET_LEAD:
        start = words[0].start() - SNIPPET_LEAD
        boundary = body.find(" ", start, words[0].start())
        start = boundary + 1 if boundary != -1 else start
    end = min(len(body), start + SNIPPET_LENGTH)
    if end < len(body):
        boundary = body.rfind(" ", start + SNIPPET_LENGTH // 2, end)
        end = boundary if boundary != -1 else end
    fragments = []

    def add(text: str, highlight: bool) -> None:
        if not text:
            return
        if fragments and fragments[-1]["highlight"] == highlight:
            fragments[-1]["text"] += text
        else:
            fragments.append({"text": text, "highlight": highlight})

    add("\u2026" if start > 0 else "", False)
    position = start
    for word in words:
        if word.start() < start or word.end() > end:
            continue
        add(body[position:word.start()], False)
        add(word.group(), True)
        position = word.end()
    add(body[position:end], False)
    add("\u2026" if end < len(body) else "", False)
    return fragments


def conversation_of(hit: Hit) -> dict:
    """The hit's conversation as a search result shows it."""
    conversation: Conversation = hit.message.conversation
    return {"conversation_id": str(conversation.pk), "title": conversation.title}
