// The sidebar: conversations, most recent activity first, each with its name,
// the last message's preview and time, and an unread badge (and bold) when
// it has unread messages.  It renders
// whenever the conversations store announces a change.

import { avatar } from "./avatar.js";
import { h, byId, say } from "./dom.js";
import { conversationName, listTime, longTime, personName, preview } from "./format.js";
import { setUnreadTotal } from "./page-title.js";
import { presenceDot } from "./presence.js";

export class ConversationList {
  /**
   * conversations: the store; me(): the signed-in user; onOpen(id): a
   * conversation was chosen (plain click or Enter); onMore(): the next page.
   */
  constructor({ conversations, me, onOpen, onMore }) {
    Object.assign(this, { conversations, me, onOpen });
    this.list = byId("conversation-list");
    this.status = byId("list-status");
    this.more = byId("list-more");
    this.more.addEventListener("click", onMore);
    this.activeId = null;
    conversations.addEventListener("change", () => this.render());
  }

  /** Mark the conversation shown (null for none). */
  setActive(id) {
    this.activeId = id;
    this.render();
  }

  previewOf(c, meId) {
    const last = c.last_message;
    if (!last) return "No messages yet";
    if (last.deleted_at) return "Message deleted";
    const who = last.sender === meId ? "You: " : "";
    return who + preview(last.message_body);
  }

  render() {
    const meId = this.me()?.user_id;
    const focusedId = document.activeElement?.closest?.("#conversation-list li")?.dataset.id;
    const sorted = this.conversations.sorted();
    // Groups with the same name are told apart by their members.
    const seen = new Map();
    for (const c of sorted) seen.set(conversationName(c, meId), (seen.get(conversationName(c, meId)) || 0) + 1);
    const items = sorted.map((c) => {
      const name = conversationName(c, meId);
      const others = (c.participants || []).filter((u) => u.user_id !== meId);
      const hint = seen.get(name) > 1 && !c.direct
        ? `with ${others.map((u) => u.first_name || u.username).join(", ") || "only you"}` : "";
      const unread = c.unread_count || 0;
      const mentions = c.mention_count || 0;
      const link = h("a", {
        class: "conversation-link", href: `/c/${c.conversation_id}/`,
        "aria-current": c.conversation_id === this.activeId ? "page" : null,
        onclick: (event) => {
          if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
          event.preventDefault();
          this.onOpen(c.conversation_id);
        },
      },
      c.direct && others.length ? avatar(personName(others[0]), others[0].user_id) : avatar(name, c.conversation_id),
      c.direct && others.length ? presenceDot(others[0]) : null,
      h("span", { class: "name" }, name, hint ? h("span", { class: "member-hint", text: ` (${hint})` }) : null),
      c.last_message
        ? h("time", { class: "when", datetime: c.last_message.sent_at, title: longTime(c.last_message.sent_at), text: listTime(c.last_message.sent_at) })
        : null,
      h("span", { class: "preview", text: this.previewOf(c, meId) }),
      unread || mentions
        ? h("span", { class: "badges" },
          mentions
            ? h("span", { class: "badge mention-badge" },
              h("span", { "aria-hidden": "true", text: `@${mentions}` }),
              h("span", { class: "visually-hidden", text: `, ${mentions} mention${mentions === 1 ? "" : "s"} of you` }))
            : null,
          unread
            ? h("span", { class: "badge" },
              h("span", { "aria-hidden": "true", text: unread > 99 ? "99+" : String(unread) }),
              h("span", { class: "visually-hidden", text: `, ${unread} unread message${unread === 1 ? "" : "s"}` }))
            : null)
        : null);
      return h("li", { class: unread ? "unread" : null, dataset: { id: c.conversation_id, unread: String(unread), mentions: String(mentions) } }, link);
    });
    this.list.replaceChildren(...items);
    if (focusedId) this.list.querySelector(`li[data-id="${focusedId}"] a`)?.focus();
    say(this.status, items.length ? "" : "No conversations yet: start one with “New conversation”.");
    this.more.hidden = !this.conversations.nextPage;
    setUnreadTotal(this.conversations.unreadTotal());
  }
}
