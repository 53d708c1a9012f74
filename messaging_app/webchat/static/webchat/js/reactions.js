// Emoji reactions on the open conversation's messages: a row of chips under
// each stored message (emoji and count; pressed when one is mine; who
// reacted in the title), a small picker of the allowed emoji, a click adding
// or taking back mine, and reaction.updated events redrawing a row live.
// Reactions of newly drawn messages are read in batches by seq range.

import { paths } from "./api.js";
import { h } from "./dom.js";
import { describeError } from "./errors.js";
import { personName } from "./format.js";
import { SeqBatches } from "./seq-batches.js";

export const EMOJI = {
  thumbs_up: "\u{1F44D}", heart: "\u2764\uFE0F", joy: "\u{1F602}", tada: "\u{1F389}",
  surprised: "\u{1F62E}", sad: "\u{1F622}", pray: "\u{1F64F}", eyes: "\u{1F440}",
};

export class Reactions {
  /** current: the open conversation's state; list: the MessageList; me(): the user. */
  constructor({ api, current, list, me }) {
    Object.assign(this, { api, current, list, me });
    this.reset();
  }

  reset() {
    this.byId = new Map();     // message_id -> reactions (as the API gives them)
    this.batches ??= new SeqBatches(
      this.current, (id, from, to) => this.api.get(paths.conversationReactions(id, from, to)),
      (found, from, to) => this.found(found.reactions, from, to));
    this.batches.reset();
  }

  /** A stored message's node was drawn: give it its reactions row. */
  decorate(node) {
    if (node.dataset.state !== "stored" || node.classList.contains("deleted")) return;
    const bubble = node.querySelector(".bubble");
    const seen = bubble.querySelector(".seen");
    const row = h("div", { class: "reactions" });
    bubble.insertBefore(row, seen);
    this.fill(row, node.dataset.id);
    this.batches.want(Number(node.dataset.seq));
  }

  /** Reactions by seq for the range from..to, as the API gives them. */
  found(reactions, from, to) {
    for (const message of this.list.values()) {
      if (message.seq >= from && message.seq <= to && reactions[String(message.seq)]) {
        this.show(message.message_id, reactions[String(message.seq)]);
      }
    }
  }

  /** A reaction.updated event (or an API answer): redraw that message's row. */
  show(messageId, reactions) {
    this.byId.set(messageId, reactions);
    const row = this.list.node(messageId)?.querySelector(".reactions");
    if (row) this.fill(row, messageId);
  }

  apply(event) {
    if (event.conversation === this.current.id) this.show(event.message_id, event.reactions);
  }

  fill(row, messageId) {
    const meId = this.me().user_id;
    const chips = (this.byId.get(messageId) || []).map((reaction) => {
      const mine = reaction.users.some((user) => user.user_id === meId);
      const who = reaction.users.map((user) => (user.user_id === meId ? "you" : personName(user)));
      return h("button", {
        type: "button", class: "reaction", "aria-pressed": String(mine),
        title: who.join(", "), "aria-label": `${reaction.emoji} ${reaction.count}: ${who.join(", ")}`,
        dataset: { name: reaction.name },
        onclick: () => this.toggle(messageId, reaction.name, mine),
      }, h("span", { text: reaction.emoji }), ` ${reaction.count}`);
    });
    const picker = h("span", { class: "reaction-picker", hidden: true },
      Object.entries(EMOJI).map(([name, emoji]) => h("button", {
        type: "button", class: "pick", text: emoji, "aria-label": `React with ${name.replace("_", " ")}`,
        dataset: { name },
        onclick: () => {
          picker.hidden = true;
          const mine = (this.byId.get(messageId) || []).some((r) => r.name === name
            && r.users.some((user) => user.user_id === meId));
          if (!mine) this.toggle(messageId, name, false);
        },
      })));
    const open = h("button", {
      type: "button", class: "reaction add-reaction", text: "+\u{1F642}", "aria-label": "Add a reaction",
      "aria-expanded": "false",
      onclick: (event) => {
        picker.hidden = !picker.hidden;
        event.currentTarget.setAttribute("aria-expanded", String(!picker.hidden));
      },
    });
    row.replaceChildren(...chips, open, picker);
  }

  /** Add my reaction name to a message, or take it back when mine. */
  async toggle(messageId, name, mine) {
    const { generation } = this.current;
    try {
      if (mine) {
        await this.api.delete(paths.reaction(messageId, name));
        const found = await this.api.get(paths.messageReactions(messageId));
        if (generation === this.current.generation) this.show(messageId, found.reactions);
      } else {
        const found = await this.api.put(paths.reaction(messageId, name));
        if (generation === this.current.generation) this.show(messageId, found.reactions);
      }
    } catch (error) {
      const row = this.list.node(messageId)?.querySelector(".reactions");
      if (row) row.title = describeError(error);
    }
  }
}
