// One open conversation: its history (newest page first, older pages as the
// person scrolls up, with the scroll position kept), live changes, pending
// sends, typing notices, read markers, editing and deleting one's own messages.

import { pathOf } from "./api.js";
import { h, byId, say } from "./dom.js";
import { ApiError, NetworkError } from "./errors.js";
import { conversationName, longTime, messageTime, personName } from "./format.js";

const PAGE_SIZE = 30;
const NEAR_TOP_PX = 150;
const NEAR_BOTTOM_PX = 80;
const TYPING_SHOWN_MS = 4000;
const TYPING_SEND_EVERY_MS = 2500;
const READ_DELAY_MS = 250;
const DELETE_CONFIRM_MS = 5000;

function describeError(error) {
  if (error instanceof NetworkError) return "Cannot reach the server; try again in a moment.";
  if (error instanceof ApiError) return error.summary;
  return String(error.message || error);
}

export class ConversationView {
  /**
   * api, outbox, drafts (Drafts); me: the signed-in user;
   * socketSend(frame): sends a WebSocket frame if connected;
   * onReadState(state): the API answered a read marker move.
   */
  constructor({ api, outbox, drafts, me, socketSend, onReadState }) {
    Object.assign(this, { api, outbox, drafts, me, socketSend, onReadState });
    this.id = null;
    this.generation = 0;
    this.el = {
      placeholder: byId("conversation-placeholder"), error: byId("conversation-error"),
      body: byId("conversation-body"), title: byId("conversation-title"),
      members: byId("conversation-members"), history: byId("history"),
      status: byId("history-status"), list: byId("messages"), typing: byId("typing"),
      composer: byId("composer"), input: byId("composer-input"), jump: byId("jump"),
    };
    this.observer = null;
    this.wire();
  }

  wire() {
    const { composer, input, history, jump } = this.el;
    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing
          && !event.altKey && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        this.send();
      }
    });
    input.addEventListener("input", () => {
      this.fitInput();
      if (!this.id) return;
      this.drafts.set(this.id, input.value);
      const now = Date.now();
      if (input.value.trim() && now - (this.typingSentAt || 0) > TYPING_SEND_EVERY_MS) {
        if (this.socketSend({ type: "typing", conversation: this.id })) this.typingSentAt = now;
      }
    });
    history.addEventListener("scroll", () => {
      if (history.scrollTop < NEAR_TOP_PX) this.loadOlder();
      if (this.nearBottom()) jump.hidden = true;
    }, { passive: true });
    jump.addEventListener("click", () => {
      this.scrollToBottom();
      this.el.input.focus();
    });
    document.addEventListener("visibilitychange", () => this.scheduleRead());
  }

  // ---- opening and closing ------------------------------------------------

  reset() {
    this.generation += 1;
    if (this.observer) this.observer.disconnect();
    this.observer = new IntersectionObserver((entries) => this.onVisibility(entries),
      { root: this.el.history, threshold: 0 });
    this.messages = new Map();   // message_id -> message
    this.nodes = new Map();      // message_id -> <li>
    this.visible = new Set();    // seqs on screen
    this.readBy = new Map();     // other user id -> last_read_seq (from events)
    this.typers = new Map();     // user id -> timer
    this.previous = null;
    this.loadingOlder = false;
    this.conversation = null;
    this.gone = false;
    this.el.list.replaceChildren();
    say(this.el.status, "");
    this.el.jump.hidden = true;
    this.renderTyping();
  }

  /** Show a conversation; errors (outsider, unknown id) show as a message instead. */
  async open(conversationId) {
    if (this.id === conversationId) return;
    this.reset();
    this.id = conversationId;
    const generation = this.generation;
    say(this.el.error, "");
    this.el.placeholder.hidden = true;
    this.el.body.hidden = true;
    say(this.el.status, "Loading…");
    let detail;
    let page;
    try {
      detail = await this.api.get(`/api/conversations/${conversationId}/`);
      if (generation !== this.generation) return;
      page = await this.api.get(
        `/api/conversations/${conversationId}/messages/?cursor=latest&page_size=${PAGE_SIZE}`);
    } catch (error) {
      if (generation !== this.generation) return;
      this.showProblem(error);
      return;
    }
    if (generation !== this.generation) return;
    this.setConversation(detail);
    this.readPosition = detail.last_read_seq || 0;
    this.loadReceipts(generation);
    this.el.body.hidden = false;
    this.el.input.disabled = false;
    this.previous = page.previous;
    for (const message of page.results) this.upsert(message, { quiet: true });
    this.renderPending();
    this.updateStatus();
    this.el.input.value = this.drafts.get(conversationId);
    this.fitInput();
    this.scrollToBottom();
    await this.fill(generation);
  }

  showProblem(error) {
    this.el.body.hidden = true;
    let text = describeError(error);
    if (error instanceof ApiError && error.status === 403) {
      text = "You are not a member of this conversation, so its messages are not shown.";
    } else if (error instanceof ApiError && error.status === 404) {
      text = "There is no conversation at this address.";
    }
    say(this.el.error, text);
  }

  close() {
    this.reset();
    this.id = null;
    this.el.body.hidden = true;
    say(this.el.error, "");
    this.el.placeholder.hidden = false;
  }

  /** The conversation ended for me: deleted, or I was removed. */
  showGone(text) {
    this.gone = true;
    this.note(text);
    this.el.input.disabled = true;
    say(this.el.typing, "");
  }

  setConversation(conversation) {
    this.conversation = conversation;
    this.el.title.textContent = conversationName(conversation, this.me.user_id);
    const names = (conversation.participants || []).map((u) => (
      u.user_id === this.me.user_id ? "you" : personName(u)));
    this.el.members.textContent = `${names.length} members: ${names.join(", ")}`;
    document.title = `${this.el.title.textContent} · Messages`;
  }

  /** A conversation.updated event: new participants; say who came and went. */
  membershipChanged(conversation, event) {
    const before = new Map((this.conversation?.participants || []).map((u) => [u.user_id, u]));
    this.setConversation(conversation);
    const after = new Map(conversation.participants.map((u) => [u.user_id, u]));
    for (const id of event.added || []) {
      if (after.has(id) && id !== this.me.user_id) this.note(`${personName(after.get(id))} joined.`);
    }
    for (const id of event.removed || []) {
      if (before.has(id)) this.note(`${personName(before.get(id))} left.`);
      this.readBy.delete(id);
    }
    this.renderSeen();
  }

  // ---- history ------------------------------------------------------------

  nearBottom() {
    const { history } = this.el;
    return history.scrollHeight - history.scrollTop - history.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom() {
    this.el.history.scrollTop = this.el.history.scrollHeight;
    this.el.jump.hidden = true;
  }

  /** Load older pages until the history fills its box (or there are none). */
  async fill(generation) {
    const { history } = this.el;
    while (generation === this.generation && this.previous
           && history.scrollHeight <= history.clientHeight + NEAR_TOP_PX) {
      if (!(await this.loadOlder())) break;
    }
  }

  /** Prepend the next older page, keeping what is on screen where it is. */
  async loadOlder() {
    if (this.loadingOlder || !this.previous || !this.id) return false;
    this.loadingOlder = true;
    const generation = this.generation;
    say(this.el.status, "Loading earlier messages…");
    try {
      const page = await this.api.get(pathOf(this.previous));
      if (generation !== this.generation) return false;
      const { history } = this.el;
      const fromBottom = history.scrollHeight - history.scrollTop;
      for (const message of page.results) this.upsert(message, { quiet: true });
      this.previous = page.previous;
      history.scrollTop = history.scrollHeight - fromBottom;
      return true;
    } catch (error) {
      if (generation === this.generation) say(this.el.status, describeError(error));
      return false;
    } finally {
      if (generation === this.generation) {
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
    if (!this.id || !this.conversation || this.gone) return;
    const generation = this.generation;
    try {
      const page = await this.api.get(
        `/api/conversations/${this.id}/messages/?cursor=latest&page_size=${PAGE_SIZE}`);
      if (generation !== this.generation) return;
      for (const message of page.results) {
        apply(this.messages.has(message.message_id) ? "message.updated" : "message.created", message);
      }
    } catch {
      // The next reconnect tries again.
    }
  }

  updateStatus() {
    if (this.loadingOlder) return;
    if (this.previous) say(this.el.status, "Scroll up for earlier messages.");
    else say(this.el.status, this.messages.size ? "This is the beginning of the conversation." : "No messages yet: say hello.");
  }

  // ---- messages -----------------------------------------------------------

  has(messageId) {
    return this.messages.has(messageId);
  }

  /** A live event (or a confirmed send) for the open conversation. */
  applyMessage(kind, message) {
    if (message.conversation !== this.id || !this.conversation) return;
    const atBottom = this.nearBottom();
    const isNew = !this.messages.has(message.message_id);
    this.upsert(message, { quiet: false });
    if (kind === "message.created" && isNew) {
      const mine = message.sender.user_id === this.me.user_id;
      if (mine || atBottom) this.scrollToBottom();
      else this.el.jump.hidden = false;
      this.clearTyping(message.sender.user_id);
    }
    this.updateStatus();
  }

  /** Add or refresh a stored message in seq order. */
  upsert(message, { quiet }) {
    const known = this.messages.get(message.message_id);
    if (known && known.edited_at === message.edited_at && known.deleted_at === message.deleted_at
        && known.message_body === message.message_body) return;
    this.messages.set(message.message_id, message);
    const node = this.renderMessage(message);
    const old = this.nodes.get(message.message_id);
    if (old) {
      this.observer.unobserve(old);
      old.replaceWith(node);
    } else {
      this.insertInOrder(node, message.seq);
    }
    this.nodes.set(message.message_id, node);
    this.observer.observe(node);
    if (!quiet) node.classList.add("arrived");
    this.renderSeen();
  }

  insertInOrder(node, seq) {
    const items = this.el.list.children;
    for (let i = items.length - 1; i >= 0; i -= 1) {
      const item = items[i];
      if (item.dataset.seq && Number(item.dataset.seq) < seq) {
        item.after(node);
        return;
      }
    }
    const firstStored = [...items].find((item) => item.dataset.seq);
    if (firstStored) firstStored.before(node);
    else this.el.list.prepend(node);
  }

  renderMessage(message) {
    const mine = message.sender.user_id === this.me.user_id;
    const deleted = Boolean(message.deleted_at);
    const time = messageTime(message.sent_at);
    const li = h("li", {
      class: `message ${mine ? "mine" : "theirs"}${deleted ? " deleted" : ""}`,
      dataset: { id: message.message_id, seq: String(message.seq), state: "stored" },
    });
    const meta = h("p", { class: "meta" },
      h("span", { class: "sender", text: mine ? "You" : personName(message.sender) }), " ",
      h("time", { datetime: message.sent_at, title: longTime(message.sent_at), text: time }),
      message.edited_at && !deleted
        ? h("span", { class: "edited", title: `Edited ${longTime(message.edited_at)}`, text: " (edited)" })
        : null);
    const body = deleted
      ? h("p", { class: "body", text: "This message was deleted." })
      : h("p", { class: "body", text: message.message_body });
    const bubble = h("div", { class: "bubble" }, meta, body);
    if (mine && !deleted) {
      bubble.append(h("div", { class: "actions" },
        h("button", {
          type: "button", class: "link", text: "Edit",
          "aria-label": `Edit your message from ${time}`,
          onclick: () => this.startEdit(message.message_id),
        }),
        h("button", {
          type: "button", class: "link danger", text: "Delete",
          "aria-label": `Delete your message from ${time}`,
          onclick: (event) => this.confirmDelete(event.currentTarget, message.message_id),
        })));
    }
    bubble.append(h("p", { class: "seen muted", hidden: true }));
    li.append(bubble);
    return li;
  }

  startEdit(messageId) {
    const message = this.messages.get(messageId);
    const li = this.nodes.get(messageId);
    if (!message || !li || message.deleted_at) return;
    const label = `edit-${messageId}`;
    const field = h("textarea", { id: label, class: "edit-input", rows: "2", maxlength: "10000" });
    field.value = message.message_body;
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const cancel = () => {
      const fresh = this.renderMessage(this.messages.get(messageId));
      this.observer.unobserve(this.nodes.get(messageId));
      this.nodes.get(messageId).replaceWith(fresh);
      this.nodes.set(messageId, fresh);
      this.observer.observe(fresh);
      this.renderSeen();
      fresh.querySelector("button")?.focus();
    };
    const save = async () => {
      const text = field.value.trim();
      if (!text) {
        say(error, "A message needs some text; use Delete to remove it.");
        return;
      }
      if (text === message.message_body) {
        cancel();
        return;
      }
      try {
        const updated = await this.api.patch(
          `/api/conversations/${this.id}/messages/${messageId}/`, { message_body: text });
        this.messages.delete(messageId);  // so that upsert re-renders
        this.upsert(updated, { quiet: true });
        this.nodes.get(messageId)?.querySelector("button")?.focus();
      } catch (problem) {
        say(error, describeError(problem));
      }
    };
    field.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        save();
      } else if (event.key === "Escape") {
        event.preventDefault();
        cancel();
      }
    });
    const form = h("div", { class: "bubble editing" },
      h("label", { for: label, text: "Edit your message (Enter saves, Escape cancels)" }),
      field, error,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", text: "Save", onclick: save }),
        h("button", { type: "button", text: "Cancel", onclick: cancel })));
    li.replaceChildren(form);
    field.focus();
  }

  confirmDelete(button, messageId) {
    if (button.dataset.armed !== "1") {
      button.dataset.armed = "1";
      button.textContent = "Confirm delete";
      setTimeout(() => {
        if (button.isConnected) {
          button.dataset.armed = "";
          button.textContent = "Delete";
        }
      }, DELETE_CONFIRM_MS);
      return;
    }
    button.disabled = true;
    this.api.delete(`/api/conversations/${this.id}/messages/${messageId}/`)
      .then(() => {
        const message = this.messages.get(messageId);
        if (message && !message.deleted_at) {
          this.upsert({ ...message, message_body: "", deleted_at: new Date().toISOString() }, { quiet: true });
        }
      })
      .catch((error) => {
        button.disabled = false;
        this.note(`Could not delete: ${describeError(error)}`);
      });
  }

  /** A line in the history that is not a message (joins, leaves, endings). */
  note(text) {
    const li = h("li", { class: "system", text });
    const firstPending = this.el.list.querySelector("li[data-state='pending'], li[data-state='failed']");
    if (firstPending) firstPending.before(li);
    else this.el.list.append(li);
    if (this.nearBottom()) this.scrollToBottom();
  }

  // ---- sending ------------------------------------------------------------

  send() {
    if (!this.id || this.gone) return;
    const { input } = this.el;
    const body = input.value.trim();
    if (!body) return;
    this.outbox.add(this.id, body);
    input.value = "";
    this.drafts.set(this.id, "");
    this.fitInput();
    this.scrollToBottom();
  }

  fitInput() {
    const { input } = this.el;
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight + 2, 160)}px`;
  }

  /** Re-draw the pending and failed sends (after the outbox changed). */
  renderPending() {
    if (!this.id) return;
    for (const node of this.el.list.querySelectorAll("li[data-state='pending'], li[data-state='failed']")) {
      node.remove();
    }
    for (const item of this.outbox.of(this.id)) {
      if (item.matchedId && this.messages.has(item.matchedId)) continue;
      const failed = item.state === "failed";
      const li = h("li", {
        class: "message mine pending",
        dataset: { key: item.key, state: failed ? "failed" : "pending" },
      });
      const status = failed
        ? h("p", { class: "state error", role: "alert" },
          `Not sent: ${item.error || "the server refused it"} `,
          h("button", { type: "button", class: "link", text: "Retry", onclick: () => this.outbox.retry(item.key) }),
          " ",
          h("button", {
            type: "button", class: "link", text: "Edit",
            onclick: () => this.editFailed(item.key),
          }),
          " ",
          h("button", { type: "button", class: "link danger", text: "Discard", onclick: () => this.outbox.discard(item.key) }))
        : h("p", { class: "state muted", text: item.attempts ? "Waiting for the connection…" : "Sending…" });
      li.append(h("div", { class: "bubble" },
        h("p", { class: "meta" }, h("span", { class: "sender", text: "You" })),
        h("p", { class: "body", text: item.body }),
        status));
      this.el.list.append(li);
    }
  }

  /** Put a failed send's text back in the box (appending to what is there). */
  editFailed(key) {
    const item = this.outbox.discard(key);
    if (!item) return;
    const { input } = this.el;
    input.value = input.value ? `${input.value}\n${item.body}` : item.body;
    this.drafts.set(this.id, input.value);
    this.fitInput();
    input.focus();
  }

  // ---- read markers -------------------------------------------------------

  onVisibility(entries) {
    for (const entry of entries) {
      const seq = Number(entry.target.dataset.seq);
      if (!seq) continue;
      if (entry.isIntersecting) this.visible.add(seq);
      else this.visible.delete(seq);
    }
    this.scheduleRead();
  }

  scheduleRead() {
    if (!this.id || document.visibilityState !== "visible" || !this.visible.size) return;
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => this.markRead(), READ_DELAY_MS);
  }

  async markRead() {
    const seq = Math.max(...this.visible);
    if (!this.id || !(seq > this.readPosition) || this.gone) return;
    const id = this.id;
    this.readPosition = seq;
    try {
      const state = await this.api.post(`/api/conversations/${id}/read/`, { seq });
      this.onReadState(state);
    } catch {
      if (this.id === id) this.readPosition = 0;  // try again when something moves
    }
  }

  /** Where the others have read up to so far (later moves come as events). */
  async loadReceipts(generation) {
    let positions;
    try {
      positions = await this.api.get(`/api/conversations/${this.id}/reads/`);
    } catch {
      return;  // receipts then start with the next read event
    }
    if (generation !== this.generation) return;
    for (const { user_id: userId, last_read_seq: seq } of positions.reads) {
      this.applyRead({ conversation: this.id, user_id: userId, last_read_seq: seq });
    }
  }

  /** Someone's read marker moved: mine (another window) or another member's. */
  applyRead(event) {
    if (event.conversation !== this.id) return;
    if (event.user_id === this.me.user_id) {
      this.readPosition = Math.max(this.readPosition || 0, event.last_read_seq);
      return;
    }
    this.readBy.set(event.user_id, Math.max(this.readBy.get(event.user_id) || 0, event.last_read_seq));
    this.renderSeen();
  }

  /** "Seen by ..." under my newest message that others have read. */
  renderSeen() {
    for (const node of this.el.list.querySelectorAll(".seen:not([hidden])")) node.hidden = true;
    if (!this.conversation || !this.readBy.size) return;
    let newestMine = null;
    for (const message of this.messages.values()) {
      if (message.sender.user_id === this.me.user_id && !message.deleted_at
          && (!newestMine || message.seq > newestMine.seq)) newestMine = message;
    }
    if (!newestMine) return;
    const people = new Map((this.conversation.participants || []).map((u) => [u.user_id, u]));
    const seers = [...this.readBy].filter(([, seq]) => seq >= newestMine.seq)
      .map(([id]) => personName(people.get(id)));
    const slot = this.nodes.get(newestMine.message_id)?.querySelector(".seen");
    if (slot && seers.length) say(slot, `Seen by ${seers.join(", ")}`);
  }

  // ---- typing -------------------------------------------------------------

  showTyping(userId) {
    if (!this.conversation || userId === this.me.user_id || this.gone) return;
    clearTimeout(this.typers.get(userId));
    this.typers.set(userId, setTimeout(() => this.clearTyping(userId), TYPING_SHOWN_MS));
    this.renderTyping();
  }

  clearTyping(userId) {
    if (!this.typers.has(userId)) return;
    clearTimeout(this.typers.get(userId));
    this.typers.delete(userId);
    this.renderTyping();
  }

  renderTyping() {
    const { typing } = this.el;
    const people = new Map((this.conversation?.participants || []).map((u) => [u.user_id, u]));
    const names = [...(this.typers?.keys() || [])].map((id) => personName(people.get(id)));
    clearTimeout(this.typingFade);
    if (!names.length) {
      typing.classList.remove("visible");
      // Let the fade-out run, then empty it so nothing stale is read out.
      this.typingFade = setTimeout(() => { typing.textContent = ""; }, 400);
      return;
    }
    typing.textContent = names.length === 1 ? `${names[0]} is typing…` : `${names.join(" and ")} are typing…`;
    typing.classList.add("visible");
  }
}
