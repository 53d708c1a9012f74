"""Full-text search over the messages of the conversations a person is in.

``parse_query`` turns what someone typed into terms: runs of letters and
digits, lower-cased, every one required; a term ending in ``*`` matches as
a prefix (``deploy*`` finds "deployment").  ``search`` asks the engine's
index (``chats.content.search_index``) for one page of hits, best first,
within the requester's conversations only, then reads those messages with
their senders and conversations: two queries whatever the page size,
plus one listing the requester's conversations (SQLite narrows the FTS
match to them and ranks the matches in Python, ``ranked``; PostgreSQL
seeks them in an index) and, on PostgreSQL, one reading how common the
words are (``share_of``).
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
# A search ranks (and finds) the newest this many matches.
RANK_WINDOW = 1000
# PostgreSQL: a search whose words are all in at least this share of
# messages is dense (see ``page_sql``).
DENSE_SHARE = 0.05
# Up to this many conversations, a search names the requester's
# conversations (SQLite inside the FTS match, PostgreSQL as an array the
# history index can seek); beyond it, the membership join alone keeps the
# others out.
MAX_CONVERSATIONS_IN_MATCH = 500
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


def fts5_query(terms: list[Term], conversations=None) -> str:
    """The terms as an FTS5 MATCH expression on the body, all required:
    ``message_body : ("a" "b"*)``; with conversations (their ids as the
    index stores them), only messages of those conversations match."""
    words = " ".join(f'"{term.text}"' + ("*" if term.prefix else "") for term in terms)
    expression = f"message_body : ({words})"
    if conversations:
        within = " OR ".join(f'"{conversation}"' for conversation in conversations)
        expression += f" AND conversation : ({within})"
    return expression


def page_sql(vendor: str, *, conversation, sender, listed: bool = True, dense: bool = False):
    """The SQL for one page of hit ids and the order its parameters take.

    Hits are the requester's conversations' messages that are not deleted,
    best first (PostgreSQL's ``ts_rank``; on SQLite the newest matches
    come back and ``ranked`` orders them), newest first among
    equals.  Only the newest RANK_WINDOW matches are ranked (and found):
    scoring every one of 150,000 messages holding a word as common as "the"
    costs about a second on either engine, the newest thousand a few
    milliseconds.

    On PostgreSQL a rare word is found through the GIN index (ANDed with the
    requester's conversations on the history index); a dense one (in at
    least DENSE_SHARE of messages by the column's statistics, as a word like
    "the" is) would have the GIN index hand over a hundred thousand rows to
    read and sort, so it is looked for conversation by conversation, newest
    first, in ``chats_message_search_scan_idx`` alone, each stopping after
    RANK_WINDOW matches.  Returns ``(sql, names)``: names of the parameters
    in order.
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
    if vendor == "postgresql" and dense:
        sql = ("WITH newest AS MATERIALIZED (SELECT n.message_id, n.sent_at, n.search_vector"
               " FROM unnest(%s::uuid[]) AS c(id) CROSS JOIN LATERAL ("
               "SELECT m.message_id, m.sent_at, m.search_vector FROM chats_message m"
               " WHERE m.conversation_id = c.id"
               " AND m.search_vector @@ to_tsquery('simple', %s) AND m.deleted_at IS NULL"
               f"{narrow} ORDER BY m.sent_at DESC LIMIT {RANK_WINDOW}) n"
               f" ORDER BY n.sent_at DESC LIMIT {RANK_WINDOW})"
               " SELECT message_id, ts_rank(search_vector, to_tsquery('simple', %s)) AS score"
               " FROM newest ORDER BY score DESC, sent_at DESC, message_id DESC"
               " LIMIT %s OFFSET %s")
        return sql, ["conversations", "query", *names[1:], "query", "limit", "offset"]
    if vendor == "postgresql":
        among = " AND m.conversation_id = ANY(%s)" if listed else ""
        sql = ("WITH newest AS MATERIALIZED (SELECT m.message_id, m.sent_at, m.search_vector"
               " FROM chats_message m WHERE m.search_vector @@ to_tsquery('simple', %s)"
               f" AND m.deleted_at IS NULL{among} AND {mine}{narrow}"
               f" ORDER BY m.sent_at DESC LIMIT {RANK_WINDOW})"
               " SELECT message_id, ts_rank(search_vector, to_tsquery('simple', %s)) AS score"
               " FROM newest ORDER BY score DESC, sent_at DESC, message_id DESC"
               " LIMIT %s OFFSET %s")
        return sql, ["query", *(["conversations"] if listed else []), *names, "query",
                     "limit", "offset"]
    sql = ("SELECT m.message_id, m.message_body FROM chats_message_fts f"
           " JOIN chats_message_search_row r ON r.id = f.rowid"
           " JOIN chats_message m ON m.message_id = r.message_id"
           f" WHERE chats_message_fts MATCH %s AND m.deleted_at IS NULL AND {mine}{narrow}"
           f" ORDER BY f.rowid DESC LIMIT {RANK_WINDOW}")
    return sql, ["query", *names]


def ranked(rows, terms: list[Term], offset: int, limit: int) -> list:
    """One page of ``(message_id, score)`` from rows ``(message_id, body)``,
    newest first, ranked by the term-frequency and length part of BM25.

    FTS5's own bm25() scores a row in about 4 microseconds per phrase of the
    MATCH, and narrowing to someone's conversations adds a phrase per
    conversation: ranking their newest thousand matches took 40 ms for 11
    conversations.  Here the window's bodies are scored in Python instead
    (every one holds every word, so the inverse document frequencies are
    equal and drop out); among equal scores the newer comes first.
    """
    k1, b = 1.2, 0.75
    folded = [(fold(term.text), term.prefix) for term in terms]
    counted = []
    for message_id, body in rows:
        words = WORD.findall(fold(body))
        frequencies = [sum(1 for word in words if word.startswith(text)) if prefix
                       else words.count(text) for text, prefix in folded]
        counted.append((message_id, frequencies, len(words)))
    average = sum(length for *_, length in counted) / len(counted) if counted else 1
    scores = []
    for position, (message_id, frequencies, length) in enumerate(counted):
        norm = k1 * (1 - b + b * length / (average or 1))
        score = sum(tf * (k1 + 1) / (tf + norm) for tf in frequencies if tf)
        scores.append((-score, position, message_id))
    scores.sort()
    return [(message_id, -score) for score, _, message_id in scores[offset:offset + limit]]


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
    field = Message._meta.pk
    conversations = conversations_of(user, conversation)
    if conversations == []:
        return []
    dense = False
    if vendor == "postgresql":
        query = tsquery(terms)
        dense = conversations is not None and share_of(terms) >= DENSE_SHARE
    else:
        query = fts5_query(terms, conversations)
    sql, names = page_sql(vendor, conversation=conversation, sender=sender,
                          listed=conversations is not None, dense=dense)
    values = {
        "query": query,
        "conversations": conversations,
        "user": field.get_db_prep_value(user.pk, connection),
        "conversation": field.get_db_prep_value(conversation, connection),
        "sender": field.get_db_prep_value(sender, connection),
        "limit": limit, "offset": offset,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, [values[name] for name in names])
        rows = cursor.fetchall()
    if vendor == "sqlite":
        rows = ranked(rows, terms, offset, limit)
    scores = {field.to_python(message_id): score for message_id, score in rows}
    messages = Message.objects.select_related("sender", "conversation").only(
        "message_id", "conversation_id", "message_body", "sent_at", "edited_at", "seq",
        "deleted_at", "mentions", "sender__user_id", "sender__username", "sender__first_name",
        "sender__last_name", "conversation__conversation_id", "conversation__title").in_bulk(
        list(scores))
    return [Hit(messages[pk], float(score), snippet(messages[pk].message_body, terms))
            for pk, score in scores.items() if pk in messages]


def conversations_of(user, conversation=None):
    """The ids of user's conversations (only conversation's, when given), as
    the database stores them, or None when there are more than
    MAX_CONVERSATIONS_IN_MATCH (one query)."""
    ids = Conversation.participants.through.objects.filter(user_id=user.pk)
    if conversation is not None:
        ids = ids.filter(conversation_id=conversation)
    ids = list(ids.values_list("conversation_id", flat=True)[:MAX_CONVERSATIONS_IN_MATCH + 1])
    if len(ids) > MAX_CONVERSATIONS_IN_MATCH:
        return None
    field = Conversation._meta.pk
    return [field.get_db_prep_value(pk, connection) for pk in ids]


def share_of(terms: list[Term]) -> float:
    """How many messages (a share, 0 to 1) hold every term at most, from
    PostgreSQL's statistics of ``search_vector`` (0 for a word too rare to be
    listed there, or before the table was analysed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT most_common_elems::text::text[], most_common_elem_freqs"
                       " FROM pg_stats WHERE schemaname = current_schema()"
                       " AND tablename = 'chats_message' AND attname = 'search_vector'")
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return 0.0
    # The frequencies end with three more numbers (minimum, maximum, nulls).
    shares = dict(zip(row[0], row[1][:len(row[0])], strict=True))
    return min(min(1.0, sum(share for word, share in shares.items()
                            if word.startswith(term.text))) if term.prefix
               else shares.get(term.text, 0.0) for term in terms)


def fold(text: str) -> str:
    """text lower-cased and without accents: how the indexes compare words."""
    text = text.lower()
    if text.isascii():
        return text  # nothing to take off (most bodies: 30 times faster)
    decomposed = unicodedata.normalize("NFKD", text)
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
