// The open conversation's sends still in the outbox, drawn after its
// messages: "Sending…", "Waiting for the connection…", or failed with Retry,
// Edit (the text goes back to the message box) and Discard.

import { h } from "./dom.js";

export class PendingSends {
  /**
   * current: the open conversation's state; list: the MessageList;
   * onEditText(text): a failed send's text, to put back in the message box.
   */
  constructor({ current, list, onEditText }) {
    Object.assign(this, { current, list, onEditText });
    this.outbox = null;
  }

  /** The signed-in user's outbox. */
  use(outbox) {
    this.outbox = outbox;
  }

  /** Draw the pending and failed sends again (after the outbox changed). */
  render() {
    if (!this.current.id) return;
    const nodes = [];
    for (const item of this.outbox.of(this.current.id)) {
      if (item.matchedId && this.list.has(item.matchedId)) continue;
      nodes.push(this.draw(item));
    }
    this.list.replacePending(nodes);
  }

  draw(item) {
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
        h("button", { type: "button", class: "link", text: "Edit", onclick: () => this.editFailed(item.key) }),
        " ",
        h("button", { type: "button", class: "link danger", text: "Discard", onclick: () => this.outbox.discard(item.key) }))
      : h("p", { class: "state muted", text: item.attempts ? "Waiting for the connection…" : "Sending…" });
    li.append(h("div", { class: "bubble" },
      h("p", { class: "meta" }, h("span", { class: "sender", text: "You" })),
      h("p", { class: "body", text: item.body }),
      status));
    return li;
  }

  /** Take a failed send out of the outbox and give its text back. */
  editFailed(key) {
    const item = this.outbox.discard(key);
    if (item) this.onEditText(item.body);
  }
}
