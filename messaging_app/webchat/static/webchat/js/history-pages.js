// The history's pages: the newest page when a conversation opens, older
// pages as the person scrolls up (until the box is full, at first), the
// newest page again after a reconnect, and the status line above them.

import { pathOf, paths } from "./api.js";
import { byId, say } from "./dom.js";
import { describeError } from "./errors.js";

const PAGE_SIZE = 30;
const NEAR_TOP_PX = 150;

export class HistoryPages {
  /** current: the open conversation's state; list: the MessageList. */
  constructor({ api, current, list }) {
    Object.assign(this, { api, current, list });
    this.status = byId("history-status");
    this.previous = null;        // link to the next older page
    this.loadingOlder = false;
    list.history.addEventListener("scroll", () => {
      if (list.history.scrollTop < NEAR_TOP_PX) this.loadOlder();
    }, { passive: true });
  }

  reset() {
    this.previous = null;
    this.loadingOlder = false;
    say(this.status, "");
  }

  loading() {
    say(this.status, "Loading…");
  }

  /** The newest page of a conversation's messages. */
  latest(conversationId) {
    return this.api.get(paths.latestMessages(conversationId, PAGE_SIZE));
  }

  /** Show the first page read (the newest). */
  start(page) {
    this.previous = page.previous;
    for (const message of page.results) this.list.upsert(message, { quiet: true });
  }

  /** Load older pages until the history fills its box (or there are none). */
  async fill(generation) {
    const { history } = this.list;
    while (generation === this.current.generation && this.previous
           && history.scrollHeight <= history.clientHeight + NEAR_TOP_PX) {
      if (!(await this.loadOlder())) break;
    }
  }

  /** Prepend the next older page, keeping what is on screen where it is. */
  async loadOlder() {
    if (this.loadingOlder || !this.previous || !this.current.id) return false;
    this.loadingOlder = true;
    const { generation } = this.current;
    say(this.status, "Loading earlier messages…");
    try {
      const page = await this.api.get(pathOf(this.previous));
      if (generation !== this.current.generation) return false;
      this.list.keepingPosition(() => {
        for (const message of page.results) this.list.upsert(message, { quiet: true });
      });
      this.previous = page.previous;
      return true;
    } catch (error) {
      if (generation === this.current.generation) say(this.status, describeError(error));
      return false;
    } finally {
      if (generation === this.current.generation) {
        this.loadingOlder = false;
        this.updateStatus();
      }
    }
  }

  /**
   * Read the newest page again (after a reconnect: edits and deletes missed)
   * and hand each message to apply(kind, message), the page's event path.
   */
  async refreshLatest(apply) {
    const { id, conversation, gone, generation } = this.current;
    if (!id || !conversation || gone) return;
    try {
      const page = await this.latest(id);
      if (generation !== this.current.generation) return;
      for (const message of page.results) {
        apply(this.list.has(message.message_id) ? "message.updated" : "message.created", message);
      }
    } catch {
      // The next reconnect tries again.
    }
  }

  updateStatus() {
    if (this.loadingOlder) return;
    if (this.previous) say(this.status, "Scroll up for earlier messages.");
    else say(this.status, this.list.size ? "This is the beginning of the conversation." : "No messages yet: say hello.");
  }
}
