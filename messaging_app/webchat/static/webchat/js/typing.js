// Typing notices: "Bob is typing…" under the history while others type in
// the open conversation (each notice lasts a few seconds unless renewed),
// and this person's own notices, sent at most every few seconds.

import { byId } from "./dom.js";
import { personName } from "./format.js";

const SHOWN_MS = 4000;
const SEND_EVERY_MS = 2500;
const FADE_MS = 400;

export class Typing {
  /**
   * current: the open conversation's state; me(): the signed-in user;
   * socketSend(frame): sends a WebSocket frame if connected (true if it went).
   */
  constructor({ current, me, socketSend }) {
    Object.assign(this, { current, me, socketSend });
    this.line = byId("typing");
    this.typers = new Map();  // user id -> timer
    this.sentAt = 0;
    this.fade = null;
  }

  /** A new conversation: nobody is typing. */
  reset() {
    this.typers = new Map();
    this.render();
  }

  /** The person typed in the message box: tell the others, now and then. */
  typed() {
    const now = Date.now();
    if (now - this.sentAt > SEND_EVERY_MS) {
      if (this.socketSend({ type: "typing", conversation: this.current.id })) this.sentAt = now;
    }
  }

  /** A typing event from a member. */
  show(userId) {
    if (!this.current.conversation || userId === this.me().user_id || this.current.gone) return;
    clearTimeout(this.typers.get(userId));
    this.typers.set(userId, setTimeout(() => this.clear(userId), SHOWN_MS));
    this.render();
  }

  /** userId stopped typing (their notice ran out, or their message came). */
  clear(userId) {
    if (!this.typers.has(userId)) return;
    clearTimeout(this.typers.get(userId));
    this.typers.delete(userId);
    this.render();
  }

  /** The conversation ended: every notice goes (the line stays for the next one). */
  hide() {
    for (const timer of this.typers.values()) clearTimeout(timer);
    this.typers.clear();
    this.render();
  }

  render() {
    const { line } = this;
    const people = new Map((this.current.conversation?.participants || []).map((u) => [u.user_id, u]));
    const names = [...this.typers.keys()].map((id) => personName(people.get(id)));
    clearTimeout(this.fade);
    if (!names.length) {
      line.classList.remove("visible");
      // Let the fade-out run, then empty it so nothing stale is read out.
      this.fade = setTimeout(() => { line.textContent = ""; }, FADE_MS);
      return;
    }
    line.textContent = names.length === 1 ? `${names[0]} is typing…` : `${names.join(" and ")} are typing…`;
    line.classList.add("visible");
  }
}
