// The open conversation's messages as the history shows them: stored by id,
// drawn in seq order, redrawn when an edit or a delete changes one; lines
// that are not messages (joins, leaves, endings); keeping to the newest, and
// the "New messages" button when something arrives out of sight.

import { avatar } from "./avatar.js";
import { h, byId } from "./dom.js";
import { longTime, messageTime, personName } from "./format.js";
import { mentionMarker, richText } from "./rich-text.js";

const NEAR_BOTTOM_PX = 80;
const PENDING = "li[data-state='pending'], li[data-state='failed']";

export class MessageList {
  /**
   * me(): the signed-in user; people(): the conversation's members (for
   * mentions); onEdit(id), onDelete(button, id): my message's
   * buttons; onDrawn(node, old): a message's node went in, replacing old (or
   * null); onChange(): the stored messages changed; onJump(): the person used
   * the "New messages" button.
   */
  constructor({ me, people = () => [], onEdit, onDelete, onDrawn, onChange, onJump }) {
    Object.assign(this, { me, people, onEdit, onDelete, onDrawn, onChange });
    this.history = byId("history");
    this.ol = byId("messages");
    this.jump = byId("jump");
    this.history.addEventListener("scroll", () => {
      if (this.nearBottom()) this.jump.hidden = true;
    }, { passive: true });
    this.jump.addEventListener("click", () => {
      this.scrollToBottom();
      onJump();
    });
    this.clear();
  }

  clear() {
    this.messages = new Map();   // message_id -> message
    this.nodes = new Map();      // message_id -> <li>
    this.ol.replaceChildren();
    this.jump.hidden = true;
  }

  get size() {
    return this.messages.size;
  }

  has(messageId) {
    return this.messages.has(messageId);
  }

  get(messageId) {
    return this.messages.get(messageId);
  }

  node(messageId) {
    return this.nodes.get(messageId);
  }

  values() {
    return this.messages.values();
  }

  // ---- scrolling ------------------------------------------------------------

  nearBottom() {
    const { history } = this;
    return history.scrollHeight - history.scrollTop - history.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom() {
    this.history.scrollTop = this.history.scrollHeight;
    this.jump.hidden = true;
  }

  showJump() {
    this.jump.hidden = false;
  }

  /** Scroll message number seq to the middle and mark it; false if not shown. */
  showFound(seq) {
    const node = this.ol.querySelector(`li[data-seq="${Number(seq)}"]`);
    if (!node) return false;
    for (const old of this.ol.querySelectorAll("li.found")) old.classList.remove("found");
    node.classList.add("found");
    node.scrollIntoView({ block: "center" });
    return true;
  }

  /** Run change() (which adds above), keeping what is on screen where it is. */
  keepingPosition(change) {
    const { history } = this;
    const fromBottom = history.scrollHeight - history.scrollTop;
    change();
    history.scrollTop = history.scrollHeight - fromBottom;
  }

  // ---- messages -------------------------------------------------------------

  /**
   * Add or refresh a stored message in seq order; quiet: no arrival effect;
   * force: redraw even when nothing shown changed (after an edit form).
   */
  upsert(message, { quiet, force = false }) {
    const known = this.messages.get(message.message_id);
    if (!force && known && known.edited_at === message.edited_at
        && known.deleted_at === message.deleted_at
        && known.message_body === message.message_body) return;
    this.messages.set(message.message_id, message);
    const node = this.draw(message);
    if (!quiet) node.classList.add("arrived");
    this.onChange();
  }

  /** Draw a stored message again as it is (an edit form closes); returns its node. */
  redraw(messageId) {
    const node = this.draw(this.messages.get(messageId));
    this.onChange();
    return node;
  }

  draw(message) {
    const node = this.render(message);
    const old = this.nodes.get(message.message_id) || null;
    if (old) old.replaceWith(node);
    else this.insertInOrder(node, message.seq);
    this.nodes.set(message.message_id, node);
    this.onDrawn(node, old);
    return node;
  }

  insertInOrder(node, seq) {
    const items = this.ol.children;
    for (let i = items.length - 1; i >= 0; i -= 1) {
      const item = items[i];
      if (item.dataset.seq && Number(item.dataset.seq) < seq) {
        item.after(node);
        return;
      }
    }
    const firstStored = [...items].find((item) => item.dataset.seq);
    if (firstStored) firstStored.before(node);
    else this.ol.prepend(node);
  }

  render(message) {
    const mine = message.sender.user_id === this.me().user_id;
    const deleted = Boolean(message.deleted_at);
    const time = messageTime(message.sent_at);
    const mentionsMe = !deleted && (message.mentions || []).includes(this.me().user_id);
    const li = h("li", {
      class: `message ${mine ? "mine" : "theirs"}${deleted ? " deleted" : ""}${mentionsMe ? " mentions-me" : ""}`,
      dataset: { id: message.message_id, seq: String(message.seq), state: "stored", sender: message.sender.user_id, sent: message.sent_at },
    });
    const meta = h("p", { class: "meta" },
      h("span", { class: "sender", text: mine ? "You" : personName(message.sender) }), " ",
      h("time", { datetime: message.sent_at, title: longTime(message.sent_at), text: time }),
      message.edited_at && !deleted
        ? h("span", { class: "edited", title: `Edited ${longTime(message.edited_at)}`, text: " (edited)" })
        : null);
    const body = deleted
      ? h("p", { class: "body", text: "This message was deleted." })
      : h("div", { class: "body" }, ...this.bodyParts(message));
    const bubble = h("div", { class: "bubble" }, meta, body);
    if (mine && !deleted) {
      bubble.append(h("div", { class: "actions" },
        h("button", {
          type: "button", class: "link", text: "Edit",
          "aria-label": `Edit your message from ${time}`,
          onclick: () => this.onEdit(message.message_id),
        }),
        h("button", {
          type: "button", class: "link danger", text: "Delete",
          "aria-label": `Delete your message from ${time}`,
          onclick: (event) => this.onDelete(event.currentTarget, message.message_id),
        })));
    }
    bubble.append(h("p", { class: "seen muted", hidden: true }));
    li.append(mine ? "" : avatar(personName(message.sender), message.sender.user_id), bubble);
    return li;
  }

  /**
   * The "New messages" line before the first message after seq that is not
   * mine and not deleted (the first unread); returns it, or null when none
   * is loaded.
   */
  markUnreadAfter(seq) {
    this.ol.querySelector(".unread-divider")?.remove();
    const meId = this.me().user_id;
    let first = null;
    for (const message of this.messages.values()) {
      if (message.seq > seq && message.sender.user_id !== meId && !message.deleted_at
          && (!first || message.seq < first.seq)) first = message;
    }
    if (!first) return null;
    const line = h("li", { class: "unread-divider", role: "separator", "aria-label": "New messages" },
      h("span", { text: "New messages" }));
    this.nodes.get(first.message_id).before(line);
    return line;
  }

  /** Scroll so that node is near the top of the history. */
  scrollToNode(node) {
    const { history } = this;
    history.scrollTop += node.getBoundingClientRect().top - history.getBoundingClientRect().top - 8;
    if (!this.nearBottom()) this.showJump();
  }

  /** The oldest seq loaded (Infinity with none). */
  oldestSeq() {
    let oldest = Infinity;
    for (const message of this.messages.values()) oldest = Math.min(oldest, message.seq);
    return oldest;
  }

  /** The body: links and code (rich-text.js), each "@username" it mentions in a span (mine stronger). */
  bodyParts(message) {
    const ids = new Set(message.mentions || []);
    const mark = ids.size
      ? mentionMarker(this.people().filter((u) => ids.has(u.user_id)), this.me().user_id)
      : null;
    return richText(message.message_body, mark);
  }

  /** A line in the history that is not a message (joins, leaves, endings). */
  note(text) {
    const li = h("li", { class: "system", text });
    const firstPending = this.ol.querySelector(PENDING);
    if (firstPending) firstPending.before(li);
    else this.ol.append(li);
    if (this.nearBottom()) this.scrollToBottom();
  }

  /** Replace the drawn pending and failed sends with nodes (in order). */
  replacePending(nodes) {
    for (const node of this.ol.querySelectorAll(PENDING)) node.remove();
    this.ol.append(...nodes);
  }
}
