// The search box above the conversation list: finds messages in all of my
// conversations as I type, shows the hits grouped by conversation with the
// matched words marked, and opens one (Enter, or a click) at that message.
// "/" or Ctrl+K jumps to the box; arrows move through the hits; Escape
// clears it.  Snippets arrive as fragments and go in as text nodes only.

import { paths } from "./api.js";
import { byId, h, say } from "./dom.js";
import { describeError } from "./errors.js";
import { conversationName, messageTime, personName } from "./format.js";

const DELAY_MS = 250;
const MAX_QUERY = 400;

export class MessageSearch {
  /**
   * conversations: the store (for names); me(): the signed-in user;
   * onOpen(conversationId, seq): open a hit.
   */
  constructor({ api, conversations, me, onOpen }) {
    Object.assign(this, { api, conversations, me, onOpen });
    this.input = byId("message-search");
    this.status = byId("search-status");
    this.results = byId("search-results");
    this.asked = 0;        // numbers each request; older answers are dropped
    this.shownFor = null;  // the query the hits on screen answer
    this.timer = null;
    byId("message-search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.enter();
    });
    this.input.addEventListener("input", () => this.schedule());
    this.input.addEventListener("keydown", (event) => this.key(event));
    document.addEventListener("keydown", (event) => this.shortcut(event));
  }

  /** "/" (outside text fields) or Ctrl/Cmd+K focuses the box. */
  shortcut(event) {
    const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
    const slash = event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey;
    const ctrlK = event.key.toLowerCase?.() === "k" && (event.ctrlKey || event.metaKey);
    if ((slash || ctrlK) && this.input.offsetParent !== null) {
      event.preventDefault();
      this.input.focus();
      this.input.select();
    }
  }

  key(event) {
    if (event.key === "Escape") {
      this.clear();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      this.move(event.key === "ArrowDown" ? 1 : -1);
    }
  }

  clear() {
    this.input.value = "";
    this.asked += 1;
    this.shownFor = null;
    this.results.replaceChildren();
    this.results.hidden = true;
    say(this.status, "");
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), DELAY_MS);
  }

  query() {
    return this.input.value.trim().slice(0, MAX_QUERY);
  }

  /** Enter: open the chosen hit (the first by default) once the hits are in. */
  async enter() {
    clearTimeout(this.timer);
    if (this.shownFor !== this.query()) await this.run();
    const chosen = this.results.querySelector(".hit[aria-selected='true']")
      || this.results.querySelector(".hit");
    if (chosen) chosen.click();
  }

  async run() {
    const query = this.query();
    const asked = ++this.asked;
    if (!query) {
      this.clear();
      return;
    }
    say(this.status, "Searching…");
    try {
      const page = await this.api.get(paths.searchMessages(query));
      if (asked !== this.asked) return;
      this.show(query, page.results);
    } catch (error) {
      if (asked === this.asked) say(this.status, describeError(error));
    }
  }

  show(query, hits) {
    this.shownFor = query;
    const groups = new Map();
    for (const hit of hits) {
      const id = hit.conversation.conversation_id;
      if (!groups.has(id)) groups.set(id, { conversation: hit.conversation, hits: [] });
      groups.get(id).hits.push(hit);
    }
    this.results.replaceChildren(...[...groups.values()].map((group) => this.group(group)));
    this.results.hidden = hits.length === 0;
    say(this.status, hits.length ? "" : `No messages match “${query}”.`);
  }

  group({ conversation, hits }) {
    const known = this.conversations.get(conversation.conversation_id);
    const name = known ? conversationName(known, this.me().user_id)
      : conversation.title || "Conversation";
    return h("section", { class: "hit-group" },
      h("h3", { text: name }),
      h("ul", { role: "listbox", "aria-label": `Messages in ${name}` },
        hits.map((hit) => h("li", {}, this.hit(hit)))));
  }

  hit({ message, snippet }) {
    const mine = message.sender.user_id === this.me().user_id;
    return h("button", {
      type: "button", class: "hit", role: "option", "aria-selected": "false",
      dataset: { conversation: message.conversation, seq: String(message.seq) },
      onclick: () => this.onOpen(message.conversation, message.seq),
    },
    h("span", { class: "hit-meta" }, mine ? "You" : personName(message.sender), " · ",
      h("time", { datetime: message.sent_at, text: messageTime(message.sent_at) })),
    h("span", { class: "hit-snippet" }, snippet.map((fragment) => (
      fragment.highlight ? h("mark", { text: fragment.text }) : fragment.text))));
  }

  move(step) {
    const hits = [...this.results.querySelectorAll(".hit")];
    if (!hits.length) return;
    const at = hits.findIndex((hit) => hit.getAttribute("aria-selected") === "true");
    const next = hits[(at + step + hits.length) % hits.length];
    for (const hit of hits) hit.setAttribute("aria-selected", String(hit === next));
    next.scrollIntoView({ block: "nearest" });
  }
}
