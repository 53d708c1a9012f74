// Read markers both ways: moving mine as messages come into view (while the
// window is visible), and "Seen by ..." under my newest message that the
// others have read, from /reads/ when a conversation opens and from events.

import { paths } from "./api.js";
import { say } from "./dom.js";
import { personName } from "./format.js";

const READ_DELAY_MS = 250;

export class ReadReceipts {
  /**
   * current: the open conversation's state; me(): the signed-in user; list:
   * the MessageList; onReadState(state): the API answered a marker move.
   */
  constructor({ api, current, me, list, onReadState }) {
    Object.assign(this, { api, current, me, list, onReadState });
    this.observer = null;
    this.position = 0;
    this.visible = new Set();
    this.readBy = new Map();
    document.addEventListener("visibilitychange", () => this.schedule());
  }

  /** A new conversation: nothing seen yet on either side. */
  reset() {
    if (this.observer) this.observer.disconnect();
    this.observer = new IntersectionObserver((entries) => this.onVisibility(entries),
      { root: this.list.history, threshold: 0 });
    this.visible = new Set();    // seqs on screen
    this.readBy = new Map();     // other user id -> last_read_seq
  }

  /** Watch a message's node (replacing old, if any) for coming into view. */
  track(node, old) {
    if (old) this.observer.unobserve(old);
    this.observer.observe(node);
  }

  // ---- my marker ------------------------------------------------------------

  onVisibility(entries) {
    for (const entry of entries) {
      const seq = Number(entry.target.dataset.seq);
      if (!seq) continue;
      if (entry.isIntersecting) this.visible.add(seq);
      else this.visible.delete(seq);
    }
    this.schedule();
  }

  schedule() {
    if (!this.current.id || document.visibilityState !== "visible" || !this.visible.size) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.markRead(), READ_DELAY_MS);
  }

  async markRead() {
    const seq = Math.max(...this.visible);
    const { id } = this.current;
    if (!id || !(seq > this.position) || this.current.gone) return;
    this.position = seq;
    try {
      const state = await this.api.post(paths.read(id), { seq });
      this.onReadState(state);
    } catch {
      if (this.current.id === id) this.position = 0;  // try again when something moves
    }
  }

  // ---- the others' markers --------------------------------------------------

  /** Start from my read position and where the others have read up to so far. */
  async load(position, generation) {
    this.position = position;
    const { id } = this.current;
    let positions;
    try {
      positions = await this.api.get(paths.reads(id));
    } catch {
      return;  // receipts then start with the next read event
    }
    if (generation !== this.current.generation) return;
    for (const { user_id: userId, last_read_seq: seq } of positions.reads) {
      this.apply({ conversation: id, user_id: userId, last_read_seq: seq });
    }
  }

  /** Someone's read marker moved: mine (another window) or another member's. */
  apply(event) {
    if (event.conversation !== this.current.id) return;
    if (event.user_id === this.me().user_id) {
      this.position = Math.max(this.position || 0, event.last_read_seq);
      return;
    }
    this.readBy.set(event.user_id, Math.max(this.readBy.get(event.user_id) || 0, event.last_read_seq));
    this.render();
  }

  /** A member left: their marker no longer counts. */
  forget(userId) {
    this.readBy.delete(userId);
  }

  /** "Seen by ..." under my newest message that others have read. */
  render() {
    for (const node of this.list.ol.querySelectorAll(".seen:not([hidden])")) node.hidden = true;
    const { conversation } = this.current;
    if (!conversation || !this.readBy.size) return;
    const meId = this.me().user_id;
    let newestMine = null;
    for (const message of this.list.values()) {
      if (message.sender.user_id === meId && !message.deleted_at
          && (!newestMine || message.seq > newestMine.seq)) newestMine = message;
    }
    if (!newestMine) return;
    const people = new Map((conversation.participants || []).map((u) => [u.user_id, u]));
    const seers = [...this.readBy].filter(([, seq]) => seq >= newestMine.seq)
      .map(([id]) => personName(people.get(id)));
    const slot = this.list.node(newestMine.message_id)?.querySelector(".seen");
    if (slot && seers.length) say(slot, `Seen by ${seers.join(", ")}`);
  }
}
