// The history's pages: the newest page when a conversation opens (or the
// page around one message, from a search), older pages back to the first
// unread message (a few at most), older pages as the person
// scrolls up (until the box is full, at first), newer ones as they scroll
// down from an older page, the newest page again after a reconnect, and the
// status line above them.

import { pathOf, paths } from "./api.js";
import { byId, say } from "./dom.js";
import { describeError } from "./errors.js";

const PAGE_SIZE = 30;
const NEAR_TOP_PX = 150;
const NEAR_BOTTOM_PX = 150;
// Opening with more unread messages than this many pages starts at the
// oldest page loaded.
const MAX_PAGES_TO_UNREAD = 5;

export class HistoryPages {
  /** current: the open conversation's state; list: the MessageList. */
  constructor({ api, current, list }) {
    Object.assign(this, { api, current, list });
    this.status = byId("history-status");
    this.previous = null;        // link to the next older page
    this.next = null;            // link to the next newer page (none at the newest)
    this.loadingOlder = false;
    this.loadingNewer = false;
    list.history.addEventListener("scroll", () => {
      const { history } = list;
      if (history.scrollTop < NEAR_TOP_PX) this.loadOlder();
      if (history.scrollHeight - history.scrollTop - history.clientHeight < NEAR_BOTTOM_PX) {
        this.loadNewer();
      }
    }, { passive: true });
  }

  reset() {
    this.previous = null;
    this.next = null;
    this.loadingOlder = false;
    this.loadingNewer = false;
    say(this.status, "");
  }

  loading() {
    say(this.status, "Loading…");
  }

  /** The newest page of a conversation's messages. */
  latest(conversationId) {
    return this.api.get(paths.latestMessages(conversationId, PAGE_SIZE));
  }

  /** The page holding message number seq, with older and newer around it. */
  around(conversationId, seq) {
    return this.api.get(paths.messagesAround(conversationId, seq, PAGE_SIZE));
  }

  /** True while newer messages than those shown are still to load: live
   * messages then wait for their page instead of leaving a gap. */
  get behind() {
    return Boolean(this.next);
  }

  /** Show the first page read (the newest, or the one around a message). */
  start(page) {
    this.previous = page.previous;
    this.next = page.next || null;
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
  /** Load older pages up to the first unread (a few at most), mark it and start there. */
  async toFirstUnread(readSeq, generation) {
    for (let pages = 0; pages < MAX_PAGES_TO_UNREAD && this.list.oldestSeq() > readSeq + 1; pages += 1) {
      if (!(await this.loadOlder()) || generation !== this.current.generation) break;
    }
    if (generation !== this.current.generation) return;
    const line = this.list.markUnreadAfter(readSeq);
    if (line) this.list.scrollToNode(line);
  }

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

  /** Append the next newer page (the person scrolled down from an older one). */
  async loadNewer() {
    if (this.loadingNewer || !this.next || !this.current.id) return false;
    this.loadingNewer = true;
    const { generation } = this.current;
    try {
      const page = await this.api.get(pathOf(this.next));
      if (generation !== this.current.generation) return false;
      for (const message of page.results) this.list.upsert(message, { quiet: true });
      this.next = page.next;
      return true;
    } catch (error) {
      if (generation === this.current.generation) say(this.status, describeError(error));
      return false;
    } finally {
      if (generation === this.current.generation) this.loadingNewer = false;
    }
  }

  /**
   * Read the newest page again (after a reconnect: edits and deletes missed)
   * and hand each message to apply(kind, message), the page's event path.
   */
  async refreshLatest(apply) {
    const { id, conversation, gone, generation } = this.current;
    if (!id || !conversation || gone || this.behind) return;
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
