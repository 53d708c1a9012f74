// What the server's events do to the page: new, edited and deleted messages
// reach the list and the open conversation, membership changes and endings,
// read markers, typing notices and presence; after every (re)connect, the list is
// reconciled with the server's and what waits in the outbox is sent.

import { paths } from "./api.js";
import { applyPresence, showHeaderPresence } from "./presence.js";

export class LiveEvents {
  /**
   * conversations: the store; view: the ConversationView; me(): the
   * signed-in user; outbox: theirs; reloadList(): read the list again;
   * onArrived(message): a message.created from the socket, once applied.
   */
  constructor({ api, conversations, view, me, outbox, reloadList, onArrived = () => {} }) {
    Object.assign(this, { api, conversations, view, me, outbox, reloadList, onArrived });
    this.readyCount = 0;
  }

  /** One event from the socket. */
  handle(event) {
    const { conversations, view } = this;
    switch (event.type) {
      case "ready":
        this.ready(event);
        break;
      case "message.created":
        conversations.noteDelivered(event.conversation, event.seq);
        this.message(event.type, event.message).then(() => this.onArrived(event.message));
        break;
      case "message.updated":
      case "message.deleted":
        this.message(event.type, event.message);
        break;
      case "conversation.updated":
        this.membership(event);
        break;
      case "read":
        if (event.user_id === this.me().user_id) conversations.applyRead(event.conversation, event.last_read_seq);
        view.applyRead(event);
        break;
      case "reaction.updated":
        view.applyReaction(event);
        break;
      case "presence.changed":
        applyPresence(conversations, event, view.conversation);
        showHeaderPresence(view.conversation, this.me()?.user_id);
        break;
      case "typing":
        if (view.id === event.conversation) view.showTyping(event.user_id);
        break;
      default:
        break;  // "error" frames (e.g. typing too often) need no reaction
    }
  }

  /** After every (re)connect: reconcile the list, then resend what waits. */
  ready(event) {
    const { conversations, view } = this;
    this.readyCount += 1;
    const positions = event.conversations || {};
    for (const [id, seq] of Object.entries(positions)) {
      if (conversations.get(id)) conversations.noteDelivered(id, seq);
    }
    const live = new Set(Object.keys(positions));
    conversations.batch(() => {
      for (const id of conversations.ids()) {
        if (!live.has(id)) {
          conversations.remove(id);
          if (view.id === id) view.showGone("You are no longer a member of this conversation.");
        }
      }
    });
    const unknown = [...live].filter((id) => !conversations.get(id));
    if (this.readyCount > 1 || unknown.length) this.reloadList();
    // The replay brought every missed message; edits and deletes made
    // meanwhile show when the newest page is read again.
    if (this.readyCount > 1) view.refreshLatest((kind, message) => this.message(kind, message));
    this.outbox.retryAll();
  }

  /** A message created, edited or deleted (from an event, or a send's answer). */
  async message(kind, message) {
    const { conversations, view } = this;
    const me = this.me();
    if (!me) return;
    if (kind === "message.created" && message.sender.user_id === me.user_id && !view.has(message.message_id)) {
      this.outbox.match(message);
    }
    let known = conversations.applyMessage(kind, message, me.user_id);
    if (!known) {
      known = await this.fetchConversation(message.conversation);
      if (known) conversations.applyMessage(kind, message, me.user_id);
    }
    if (view.id === message.conversation) {
      view.applyMessage(kind, message);
      view.renderPending();
    }
  }

  /** Someone joined or left, the owner changed, or the conversation ended. */
  async membership(event) {
    const { conversations, view } = this;
    const id = event.conversation;
    if (event.deleted || (event.removed || []).includes(this.me().user_id)) {
      conversations.remove(id);
      if (view.id === id) {
        view.showGone(event.deleted ? "This conversation was deleted." : "You were removed from this conversation.");
      }
      return;
    }
    const fresh = await this.fetchConversation(id);
    if (!fresh) return;
    if (view.id === id) view.membershipChanged(fresh, event);
  }

  /** A conversation the list does not know yet (or whose members changed). */
  async fetchConversation(id) {
    try {
      const { messages, ...conversation } = await this.api.get(paths.conversation(id));
      return this.conversations.upsert(conversation);
    } catch {
      return null;
    }
  }
}
