// What the person has typed but not sent, per conversation, kept in
// sessionStorage so that switching conversations or reloading loses nothing.

export class Drafts {
  constructor(storage, storageKey) {
    this.storage = storage;
    this.storageKey = storageKey;
    try {
      this.texts = JSON.parse(storage.getItem(storageKey) || "{}");
    } catch {
      this.texts = {};
    }
  }

  get(conversationId) {
    return this.texts[conversationId] || "";
  }

  set(conversationId, text) {
    if (text) this.texts[conversationId] = text;
    else delete this.texts[conversationId];
    if (Object.keys(this.texts).length) this.storage.setItem(this.storageKey, JSON.stringify(this.texts));
    else this.storage.removeItem(this.storageKey);
  }

  clear() {
    this.texts = {};
    this.storage.removeItem(this.storageKey);
  }
}
