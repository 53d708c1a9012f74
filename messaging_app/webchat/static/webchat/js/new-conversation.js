// The "New conversation" dialog: pick one person for a direct conversation,
// or several and a title for a group.

import { paths } from "./api.js";
import { h, byId, say } from "./dom.js";
import { describeError } from "./errors.js";
import { personName } from "./format.js";
import { PeopleSearch } from "./people-search.js";

export class NewConversationDialog {
  /** onCreated(conversation): the API created (or found) it. */
  constructor({ api, me, onCreated }) {
    this.api = api;
    this.me = me;
    this.onCreated = onCreated;
    this.dialog = byId("new-dialog");
    this.chosenList = byId("new-chosen");
    this.title = byId("new-group-title");
    this.error = byId("new-error");
    this.chosen = new Map();
    this.search = new PeopleSearch({
      api, input: byId("new-search"), results: byId("new-results"), status: this.error,
      exclude: () => [this.me().user_id, ...this.chosen.keys()],
      actionLabel: "Choose",
      onChoose: (user) => {
        this.chosen.set(user.user_id, user);
        this.renderChosen();
        this.search.reset();
        this.search.input.focus();
      },
    });
    byId("new-start").addEventListener("click", () => this.start());
  }

  open() {
    this.chosen.clear();
    this.search.reset();
    this.title.value = "";
    say(this.error, "");
    this.renderChosen();
    this.dialog.showModal();
    this.search.input.focus();
  }

  renderChosen() {
    if (!this.chosen.size) {
      this.chosenList.replaceChildren(h("li", { class: "muted", text: "Nobody yet." }));
      return;
    }
    this.chosenList.replaceChildren(...[...this.chosen.values()].map((user) => h("li", {},
      h("span", { text: personName(user) }), " ",
      h("button", {
        type: "button", class: "link", text: "Remove",
        "aria-label": `Remove ${personName(user)} from the new conversation`,
        onclick: () => {
          this.chosen.delete(user.user_id);
          this.renderChosen();
          this.search.input.focus();
        },
      }))));
  }

  async start() {
    if (!this.chosen.size) {
      say(this.error, "Choose at least one person.");
      return;
    }
    try {
      const conversation = await this.api.post(paths.conversations, {
        participants: [...this.chosen.keys()], title: this.title.value.trim(),
      });
      this.dialog.close();
      this.onCreated(conversation);
    } catch (error) {
      say(this.error, describeError(error));
    }
  }
}
