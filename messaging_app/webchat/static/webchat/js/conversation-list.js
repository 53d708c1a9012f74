// The sidebar: conversations, most recent activity first, each with its name,
// the last message's preview and time, and an unread badge.

import { h, byId, say } from "./dom.js";
import { conversationName, listTime, longTime, preview } from "./format.js";

export class ConversationList {
  /** onOpen(id): a conversation was chosen (plain click or Enter). */
  constructor({ conversations, onOpen, onMore }) {
    this.conversations = conversations;
    this.onOpen = onOpen;
    this.list = byId("conversation-list");
    this.status = byId("list-status");
    this.more = byId("list-more");
    this.more.addEventListener("click", onMore);
    this.me = null;
    this.activeId = null;
  }

  previewOf(c) {
    const last = c.last_message;
    if (!last) return "No messages yet";
    if (last.deleted || (!last.message_body && last.message_id)) return "Message deleted";
    const who = last.sender === this.me.user_id ? "You: " : "";
    return who + preview(last.message_body);
  }

  render() {
    const focusedId = document.activeElement?.closest?.("#conversation-list li")?.dataset.id;
    const items = this.conversations.sorted().map((c) => {
      const name = conversationName(c, this.me.user_id);
      const unread = c.unread_count || 0;
      const link = h("a", {
        class: "conversation-link", href: `/c/${c.conversation_id}/`,
        "aria-current": c.conversation_id === this.activeId ? "page" : null,
        onclick: (event) => {
          if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
          event.preventDefault();
          this.onOpen(c.conversation_id);
        },
      },
      h("span", { class: "name", text: name }),
      c.last_message
        ? h("time", { class: "when", datetime: c.last_message.sent_at, title: longTime(c.last_message.sent_at), text: listTime(c.last_message.sent_at) })
        : null,
      h("span", { class: "preview", text: this.previewOf(c) }),
      unread
        ? h("span", { class: "badge" },
          h("span", { "aria-hidden": "true", text: unread > 99 ? "99+" : String(unread) }),
          h("span", { class: "visually-hidden", text: `, ${unread} unread message${unread === 1 ? "" : "s"}` }))
        : null);
      return h("li", { dataset: { id: c.conversation_id, unread: String(unread) } }, link);
    });
    this.list.replaceChildren(...items);
    if (focusedId) this.list.querySelector(`li[data-id="${focusedId}"] a`)?.focus();
    say(this.status, items.length ? "" : "No conversations yet: start one with “New conversation”.");
    this.more.hidden = !this.conversations.nextPage;
    const total = this.conversations.sorted().reduce((sum, c) => sum + (c.unread_count || 0), 0);
    const base = document.title.replace(/^\(\d+\) /, "");
    document.title = total ? `(${total}) ${base}` : base;
  }
}
