// Messages on their way: each send gets an Idempotency-Key and stays here,
// shown as pending, until the API confirms it.  Sends that cannot reach the
// server are retried with the same key (so the server stores them once),
// one at a time per conversation to keep their order; sends the API refuses
// stay as failed with their text, for the person to retry, edit or discard.
// The queue is kept in sessionStorage: a reload resends, it never loses text.

import { paths } from "./api.js";
import { ApiError, NetworkError, SessionEnded, describeError } from "./errors.js";

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 15_000;

/** A random UUID (crypto.randomUUID exists only on https and localhost). */
export function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class Outbox {
  /**
   * onChange(conversationId): the pending items of a conversation changed;
   * onSent(item, message): the API stored (or had stored) a send.
   */
  constructor({ api, storage, storageKey, onChange, onSent }) {
    this.api = api;
    this.storage = storage;
    this.storageKey = storageKey;
    this.onChange = onChange;
    this.onSent = onSent;
    this.busy = new Set();
    this.timers = new Map();
    this.confirmed = new Set();  // message ids the API returned for our sends
    this.items = this.load();
  }

  load() {
    try {
      const saved = JSON.parse(this.storage.getItem(this.storageKey) || "[]");
      return saved.map((item) => ({ ...item, state: item.state === "failed" ? "failed" : "waiting", attempts: 0 }));
    } catch {
      return [];
    }
  }

  save() {
    const kept = this.items.map(({ key, conversation, body, createdAt, state, error }) => ({
      key, conversation, body, createdAt, state, error,
    }));
    if (kept.length) this.storage.setItem(this.storageKey, JSON.stringify(kept));
    else this.storage.removeItem(this.storageKey);
  }

  /** Stop retrying (the person left); what waits stays stored for next time. */
  halt() {
    this.halted = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Forget everything (explicit sign-out). */
  clear() {
    this.halt();
    this.items = [];
    this.storage.removeItem(this.storageKey);
  }

  /** Pending and failed sends of a conversation, oldest first. */
  of(conversationId) {
    return this.items.filter((item) => item.conversation === conversationId);
  }

  /**
   * A message of mine arrived as an event: if it is not one the API already
   * confirmed, it is the oldest unconfirmed send with the same text, which
   * then stops being drawn as pending (its request still finishes).
   */
  match(message) {
    const id = message.message_id;
    if (this.confirmed.has(id) || this.items.some((i) => i.matchedId === id)) return;
    const twin = this.items.find((i) => i.conversation === message.conversation && !i.matchedId
      && i.state !== "failed" && i.body === message.message_body);
    if (twin) twin.matchedId = id;
  }

  find(key) {
    return this.items.find((item) => item.key === key);
  }

  /** Queue a send and start it; returns the item. */
  add(conversationId, body) {
    const item = {
      key: randomKey(), conversation: conversationId, body,
      createdAt: new Date().toISOString(), state: "waiting", attempts: 0,
    };
    this.items.push(item);
    this.save();
    this.onChange(conversationId);
    this.pump(conversationId);
    return item;
  }

  /** Send the oldest waiting item of a conversation, if none is in flight. */
  pump(conversationId) {
    if (this.halted || this.busy.has(conversationId)) return;
    const next = this.items.find((i) => i.conversation === conversationId && i.state === "waiting");
    if (next) this.deliver(next);
  }

  /** Try every waiting send now (the connection is back, or the page started). */
  retryAll() {
    const conversations = new Set(this.items.filter((i) => i.state === "waiting").map((i) => i.conversation));
    for (const conversationId of conversations) {
      clearTimeout(this.timers.get(conversationId));
      this.timers.delete(conversationId);
      this.pump(conversationId);
    }
  }

  retry(key) {
    const item = this.find(key);
    if (!item) return;
    Object.assign(item, { state: "waiting", error: "", attempts: 0 });
    this.save();
    this.onChange(item.conversation);
    this.pump(item.conversation);
  }

  discard(key) {
    const item = this.find(key);
    if (!item || item.state === "sending") return null;
    this.items = this.items.filter((i) => i !== item);
    this.save();
    this.onChange(item.conversation);
    return item;
  }

  async deliver(item) {
    const conversationId = item.conversation;
    this.busy.add(conversationId);
    item.state = "sending";
    this.onChange(conversationId);
    try {
      const { data } = await this.api.request(
        paths.messages(conversationId),
        { method: "POST", body: { message_body: item.body }, headers: { "Idempotency-Key": item.key } },
      );
      this.items = this.items.filter((i) => i !== item);
      this.confirmed.add(data.message_id);
      if (!this.halted) this.save();
      this.busy.delete(conversationId);
      this.onSent(item, data);
      this.onChange(conversationId);
      this.pump(conversationId);
    } catch (error) {
      this.busy.delete(conversationId);
      if (error instanceof NetworkError || (error instanceof ApiError && error.transient)) {
        item.state = "waiting";
        item.attempts += 1;
        const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (item.attempts - 1));
        clearTimeout(this.timers.get(conversationId));
        this.timers.set(conversationId, setTimeout(() => {
          this.timers.delete(conversationId);
          this.pump(conversationId);
        }, delay));
      } else if (error instanceof SessionEnded) {
        item.state = "waiting";  // kept for when the person signs in again
      } else {
        item.state = "failed";
        item.error = describeError(error);
        this.pump(conversationId);
      }
      this.save();
      this.onChange(conversationId);
    }
  }
}
