// One open conversation: opens and closes it, shows its name and members,
// and routes what happens in it to the components that each do one job:
// the messages (MessageList), their pages (HistoryPages), editing and
// deleting (MessageActions), pending sends (PendingSends), the message box
// (Composer), @-suggestions (MentionSuggest), typing notices (Typing), read
// markers (ReadReceipts), reactions (Reactions) and attachments (Files).

import { paths } from "./api.js";
import { byId, say } from "./dom.js";
import { ApiError, describeError } from "./errors.js";
import { Composer } from "./composer.js";
import { conversationName, membersLine, personName } from "./format.js";
import { showHeaderPresence } from "./presence.js";
import { HistoryPages } from "./history-pages.js";
import { Files } from "./files.js";
import { MessageActions } from "./message-actions.js";
import { MentionSuggest } from "./mention-suggest.js";
import { layOut } from "./message-layout.js";
import { MessageList } from "./message-list.js";
import { setOpenName } from "./page-title.js";
import { PendingSends } from "./pending-sends.js";
import { Reactions } from "./reactions.js";
import { ReadReceipts } from "./read-receipts.js";
import { Typing } from "./typing.js";

export class ConversationView {
  /**
   * me(): the signed-in user; socketSend(frame): sends a WebSocket frame if
   * connected; onReadState(state): the API answered a read marker move.
   */
  constructor({ api, me, socketSend, onReadState }) {
    Object.assign(this, { api, me });
    // What every component reads about the open conversation: its id, the
    // API's object for it, whether it ended, and a number that changes with
    // each opening (answers for an older one are dropped).
    this.current = { id: null, conversation: null, gone: false, generation: 0 };
    const { current } = this;
    this.el = {
      placeholder: byId("conversation-placeholder"), error: byId("conversation-error"),
      body: byId("conversation-body"), title: byId("conversation-title"),
      members: byId("conversation-members"),
    };
    this.list = new MessageList({
      me, people: () => current.conversation?.participants || [],
      onEdit: (id) => this.actions.startEdit(id),
      onDelete: (button, id) => this.actions.confirmDelete(button, id),
      onDrawn: (node, old) => {
        this.receipts.track(node, old);
        this.reactions.decorate(node);
        this.files.decorate(node);
      },
      onChange: () => {
        layOut(this.list.ol);
        this.receipts.render();
      },
      onJump: () => this.composer.focus(),
    });
    this.pages = new HistoryPages({ api, current, list: this.list });
    this.actions = new MessageActions({ api, current, list: this.list, me });
    this.reactions = new Reactions({ api, current, list: this.list, me });
    this.files = new Files({ api, session: api.session, current, list: this.list });
    this.receipts = new ReadReceipts({ api, current, me, list: this.list, onReadState });
    this.typing = new Typing({ current, me, socketSend });
    this.composer = new Composer({
      current, typing: this.typing, onSend: () => this.list.scrollToBottom(),
      onEditLast: () => this.actions.editLast(this.composer.input),
    });
    this.mentions = new MentionSuggest({ current, me });
    this.pending = new PendingSends({
      current, list: this.list, onEditText: (text) => this.composer.append(text),
    });
  }

  get id() {
    return this.current.id;
  }

  get conversation() {
    return this.current.conversation;
  }

  /** The signed-in user's outbox and drafts (given once they are known). */
  use({ outbox, drafts }) {
    this.composer.use({ outbox, drafts });
    this.pending.use(outbox);
  }

  reset() {
    Object.assign(this.current, { conversation: null, gone: false });
    this.current.generation += 1;
    this.receipts.reset();
    this.reactions.reset();
    this.files.reset();
    this.list.clear();
    this.pages.reset();
    this.typing.reset();
  }

  /**
   * Show a conversation, at its newest messages or, with around (a seq), at
   * that message, scrolled into view and marked; errors (outsider, unknown
   * id) show as a message instead.
   */
  async open(conversationId, { around = null } = {}) {
    if (this.current.id === conversationId && around === null) return;
    this.reset();
    this.current.id = conversationId;
    const { generation } = this.current;
    say(this.el.error, "");
    this.el.placeholder.hidden = true;
    this.el.body.hidden = true;
    this.pages.loading();
    let detail;
    let page;
    try {
      detail = await this.api.get(paths.conversation(conversationId));
      if (generation !== this.current.generation) return;
      page = around === null ? await this.pages.latest(conversationId)
        : await this.pages.around(conversationId, around);
    } catch (error) {
      if (generation !== this.current.generation) return;
      this.showProblem(error);
      return;
    }
    if (generation !== this.current.generation) return;
    this.setConversation(detail);
    this.receipts.load(detail.last_read_seq || 0, generation);
    this.el.body.hidden = false;
    this.pages.start(page);
    this.pending.render();
    this.pages.updateStatus();
    this.composer.load();
    if (around === null || !this.list.showFound(around)) {
      this.list.scrollToBottom();
      if (detail.unread_count > 0) await this.pages.toFirstUnread(detail.last_read_seq || 0, generation);
    }
    await this.pages.fill(generation);
  }

  /** True when the open conversation's messages are on screen. */
  get shown() {
    return !this.el.body.hidden;
  }

  focusComposer() {
    this.composer.focus();
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
    this.current.id = null;
    this.el.body.hidden = true;
    say(this.el.error, "");
    this.el.placeholder.hidden = false;
    setOpenName(null);
  }

  /** The conversation ended for me: deleted, or I was removed. */
  showGone(text) {
    this.current.gone = true;
    this.list.note(text);
    this.composer.disable();
    this.typing.hide();
  }

  setConversation(conversation) {
    this.current.conversation = conversation;
    const meId = this.me().user_id;
    const name = conversationName(conversation, meId);
    this.el.title.textContent = name;
    this.el.members.textContent = membersLine(conversation, meId);
    showHeaderPresence(conversation, meId);
    setOpenName(name);
  }

  /** A conversation.updated event: new participants; say who came and went. */
  membershipChanged(conversation, event) {
    const before = new Map((this.current.conversation?.participants || []).map((u) => [u.user_id, u]));
    this.setConversation(conversation);
    const after = new Map(conversation.participants.map((u) => [u.user_id, u]));
    for (const id of event.added || []) {
      if (after.has(id) && id !== this.me().user_id) this.list.note(`${personName(after.get(id))} joined.`);
    }
    for (const id of event.removed || []) {
      if (before.has(id)) this.list.note(`${personName(before.get(id))} left.`);
      this.receipts.forget(id);
    }
    this.receipts.render();
  }

  has(messageId) {
    return this.list.has(messageId);
  }

  /** A live event (or a confirmed send) for the open conversation. */
  applyMessage(kind, message) {
    if (message.conversation !== this.current.id || !this.current.conversation) return;
    const atBottom = this.list.nearBottom();
    const isNew = !this.list.has(message.message_id);
    if (isNew && this.pages.behind) return;  // it comes with the newer pages
    this.list.upsert(message, { quiet: false });
    if (kind === "message.created" && isNew) {
      const mine = message.sender.user_id === this.me().user_id;
      if (mine || atBottom) this.list.scrollToBottom();
      else this.list.showJump();
      this.typing.clear(message.sender.user_id);
    }
    this.pages.updateStatus();
  }

  /** The outbox changed: draw the pending sends again. */
  renderPending() {
    this.pending.render();
  }

  /** A read event: someone's marker moved. */
  applyRead(event) {
    this.receipts.apply(event);
  }

  /** A reaction.updated event. */
  applyReaction(event) {
    this.reactions.apply(event);
  }

  /** A typing event for the open conversation. */
  showTyping(userId) {
    this.typing.show(userId);
  }

  /** After a reconnect: read the newest page again (see HistoryPages.refreshLatest). */
  refreshLatest(apply) {
    return this.pages.refreshLatest(apply);
  }
}
