// The conversation list as the page knows it: the API's conversation objects,
// kept current by events.  Every change is announced with a "change" event
// (a page of conversations announces once), and whoever shows the list
// renders on it.
// It also gives the socket its resume positions: per conversation, the seq up
// to which the page has had every message.  Only the socket's gap-free stream
// (and the first snapshot of a conversation) moves a position: a send's
// response may carry a seq beyond messages not received yet, and resuming
// from it would skip them.

function newer(a, b) {
  return (a || "") > (b || "") ? a : b;
}

// Deleted messages are not unread (nothing to read): the server leaves them
// out of unread_count; the page keeps how many of them lie after the read
// position (deleted_unread), adding the deletions events bring.
function countUnread(c) {
  const after = Math.max(0, c.last_seq - (c.last_read_seq || 0));
  c.deleted_unread = after === 0 ? 0 : Math.min(after, c.deleted_unread || 0);
  c.unread_count = after - c.deleted_unread;
  c.mention_count = Math.min(c.mention_count || 0, c.unread_count);
}

/** How many deleted messages the server left out of conversation's unread count. */
function deletedUnread(c) {
  if (typeof c.unread_count !== "number") return 0;
  return Math.max(0, c.last_seq - (c.last_read_seq || 0) - c.unread_count);
}

export class Conversations extends EventTarget {
  constructor() {
    super();
    this.byId = new Map();
    this.delivered = new Map();
    this.nextPage = null;
    this.batching = false;
    this.dirty = false;
  }

  /** Announce a change (at the end of the batch when inside one). */
  changed() {
    if (this.batching) this.dirty = true;
    else this.dispatchEvent(new Event("change"));
  }

  /** Make several changes and announce them once. */
  batch(changes) {
    this.batching = true;
    try {
      changes();
    } finally {
      this.batching = false;
    }
    if (this.dirty) {
      this.dirty = false;
      this.changed();
    }
  }

  clear() {
    this.byId.clear();
    this.delivered.clear();
    this.nextPage = null;
    this.changed();
  }

  get(id) {
    return this.byId.get(id);
  }

  ids() {
    return [...this.byId.keys()];
  }

  /** A page of the API's list: its conversations, and the link to the next page. */
  addPage(page) {
    this.batch(() => {
      for (const c of page.results) this.upsert(c);
      this.nextPage = page.next;
      this.changed();
    });
  }

  /** Add or replace a conversation, keeping the newest seq and read position known. */
  upsert(conversation) {
    const known = this.byId.get(conversation.conversation_id);
    const merged = { ...conversation, deleted_unread: deletedUnread(conversation) };
    if (known) {
      if (known.last_seq > merged.last_seq) {
        merged.last_seq = known.last_seq;
        merged.last_message = known.last_message;
        merged.last_activity_at = newer(known.last_activity_at, merged.last_activity_at);
      }
      merged.last_read_seq = Math.max(known.last_read_seq || 0, merged.last_read_seq || 0);
      merged.deleted_unread = Math.max(known.deleted_unread || 0, merged.deleted_unread);
      if (known.last_seq > conversation.last_seq) merged.mention_count = known.mention_count;
    }
    countUnread(merged);
    this.byId.set(merged.conversation_id, merged);
    if (!this.delivered.has(merged.conversation_id)) {
      this.delivered.set(merged.conversation_id, merged.last_seq);
    }
    this.changed();
    return merged;
  }

  remove(id) {
    this.byId.delete(id);
    this.delivered.delete(id);
    this.changed();
  }

  /** The socket delivered every message of a conversation up to seq. */
  noteDelivered(id, seq) {
    if (seq > (this.delivered.get(id) || 0)) this.delivered.set(id, seq);
  }

  /** Most recent activity first. */
  sorted() {
    return [...this.byId.values()].sort((a, b) => (
      (b.last_activity_at || "").localeCompare(a.last_activity_at || "")
      || a.conversation_id.localeCompare(b.conversation_id)));
  }

  /** Unread messages in every conversation. */
  unreadTotal() {
    let total = 0;
    for (const c of this.byId.values()) total += c.unread_count || 0;
    return total;
  }

  /** {conversation id: seq up to which nothing is missing}, for the socket's `since`. */
  positions() {
    return Object.fromEntries(this.delivered);
  }

  /**
   * A message event (created, updated, deleted); returns the conversation,
   * or null when it is not known yet.  My own messages count as read.
   */
  applyMessage(kind, message, meId) {
    const c = this.byId.get(message.conversation);
    if (!c) return null;
    const unreadSeq = message.seq > (c.last_read_seq || 0);
    if (kind === "message.deleted" && unreadSeq) c.deleted_unread = (c.deleted_unread || 0) + 1;
    if (kind === "message.created" && message.seq > c.last_seq) {
      if (message.deleted_at && unreadSeq) c.deleted_unread = (c.deleted_unread || 0) + 1;
      if (unreadSeq && (message.mentions || []).includes(meId)) c.mention_count = (c.mention_count || 0) + 1;
      c.last_seq = message.seq;
      c.last_activity_at = newer(c.last_activity_at, message.sent_at);
      if (message.sender.user_id === meId) c.last_read_seq = Math.max(c.last_read_seq || 0, message.seq);
    }
    const last = c.last_message;
    if (!last || last.message_id === message.message_id || (kind === "message.created" && message.sent_at >= last.sent_at)) {
      c.last_message = {
        message_id: message.message_id, sender: message.sender.user_id,
        message_body: message.message_body, sent_at: message.sent_at,
        deleted_at: message.deleted_at,
      };
    }
    countUnread(c);
    this.changed();
    return c;
  }

  /** My read position moved (this window or another). */
  applyRead(id, lastReadSeq) {
    const c = this.byId.get(id);
    if (!c) return null;
    c.last_read_seq = Math.max(c.last_read_seq || 0, lastReadSeq);
    countUnread(c);
    this.changed();
    return c;
  }
}
