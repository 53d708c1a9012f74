// Browser notifications for new messages: in a conversation other than the
// open one, or in any while the tab is hidden.  Permission is asked only
// when the person clicks the bell (never on load); the bell also turns them
// off.  Muting is per conversation, and lets mentions of the person through.  Both settings are kept in this browser
// (localStorage, per user), not on the server: they hold no secret.
// Clicking a notification brings the tab forward and opens the conversation.

import { byId } from "./dom.js";
import { conversationName, personName, preview } from "./format.js";

const SETTING = (userId) => `webchat.notify.${userId}`;
const MUTED = (userId) => `webchat.muted.${userId}`;

function supported() {
  return typeof window.Notification === "function";
}

export class Notifications {
  /**
   * me(): the signed-in user; openId(): the open conversation's id (or null);
   * onOpen(id): open a conversation (a notification was clicked).
   */
  constructor({ me, openId, onOpen, storage = window.localStorage }) {
    Object.assign(this, { me, openId, onOpen, storage });
    this.bell = byId("notify-toggle");
    this.bell.addEventListener("click", () => this.toggle());
    this.muteButton = byId("mute");
    this.muteButton.addEventListener("click", () => {
      const id = this.openId();
      if (id) this.setMuted(id, !this.isMuted(id));
    });
    this.shown = new Map();  // conversation id -> its latest notification
  }

  get userId() {
    return this.me()?.user_id;
  }

  /** On: the person turned them on here and the browser allows them. */
  get enabled() {
    return supported() && Notification.permission === "granted"
      && this.storage.getItem(SETTING(this.userId)) === "on";
  }

  /** Draw the bell for the signed-in user (after sign-in). */
  start() {
    this.render();
  }

  render() {
    const on = this.enabled;
    const denied = supported() && Notification.permission === "denied";
    this.bell.hidden = !supported();
    this.bell.setAttribute("aria-pressed", String(on));
    this.bell.textContent = on ? "Notifications on" : "Notifications off";
    this.bell.title = denied
      ? "This browser blocks notifications from this site: allow them in its site settings."
      : on ? "Click to stop notifications" : "Click to be notified of new messages";
  }

  async toggle() {
    if (!supported() || !this.userId) return;
    if (this.enabled) {
      this.storage.setItem(SETTING(this.userId), "off");
    } else {
      const answer = Notification.permission === "granted"
        ? "granted" : await Notification.requestPermission();
      this.storage.setItem(SETTING(this.userId), answer === "granted" ? "on" : "off");
    }
    this.render();
  }

  // ---- muting -----------------------------------------------------------------

  mutedIds() {
    try {
      return new Set(JSON.parse(this.storage.getItem(MUTED(this.userId)) || "[]"));
    } catch {
      return new Set();
    }
  }

  isMuted(conversationId) {
    return this.mutedIds().has(conversationId);
  }

  setMuted(conversationId, muted) {
    const ids = this.mutedIds();
    if (muted) ids.add(conversationId);
    else ids.delete(conversationId);
    this.storage.setItem(MUTED(this.userId), JSON.stringify([...ids]));
    this.showMute(conversationId);
  }

  /** The open conversation's Mute button says whether it is muted. */
  showMute(conversationId) {
    const muted = Boolean(conversationId) && this.isMuted(conversationId);
    this.muteButton.setAttribute("aria-pressed", String(muted));
    this.muteButton.textContent = muted ? "Unmute" : "Mute";
    this.muteButton.title = muted ? "Notifications for this conversation are off"
      : "Turn off notifications for this conversation";
  }

  // ---- notifying --------------------------------------------------------------

  /** Whether a new message in conversation calls for a notification. */
  wanted(message, conversation) {
    const me = this.me();
    if (!me || !this.enabled || message.sender.user_id === me.user_id || message.deleted_at) return false;
    if (!document.hidden && message.conversation === this.openId()) return false;
    // A mention of me comes through even a muted conversation.
    return (message.mentions || []).includes(me.user_id) || !this.isMuted(message.conversation);
  }

  /** A message.created (live, not replayed history) in a known conversation. */
  message(message, conversation) {
    if (!conversation || !this.wanted(message, conversation)) return null;
    const title = conversationName(conversation, this.userId);
    const sender = personName(message.sender);
    const body = conversation.direct ? preview(message.message_body)
      : `${sender}: ${preview(message.message_body)}`;
    const note = new Notification(title, { body, tag: message.conversation });
    note.onclick = () => {
      window.focus();
      this.onOpen(message.conversation);
      note.close();
    };
    this.shown.set(message.conversation, note);
    return note;
  }

  /** A conversation was read or opened: its notification is no longer news. */
  clear(conversationId) {
    const note = this.shown.get(conversationId);
    if (note) note.close();
    this.shown.delete(conversationId);
  }
}
