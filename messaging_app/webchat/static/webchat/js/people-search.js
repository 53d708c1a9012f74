// A search box over /api/users/?search= whose results are buttons: used to
// start conversations and to add people to one.

import { paths } from "./api.js";
import { h, say } from "./dom.js";
import { describeError } from "./errors.js";
import { personName } from "./format.js";

const DELAY_MS = 250;

export class PeopleSearch {
  /**
   * input: the search field; results: the <ul> for results; status: where to
   * say "No one found"; exclude(): ids not to offer; onChoose(user).
   */
  constructor({ api, input, results, status, exclude, onChoose, actionLabel }) {
    Object.assign(this, { api, input, results, status, exclude, onChoose, actionLabel });
    this.timer = null;
    this.generation = 0;
    input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.search(), DELAY_MS);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {  // Enter picks the first result instead of submitting
        event.preventDefault();
        clearTimeout(this.timer);
        this.search().then(() => this.results.querySelector("button")?.focus());
      }
    });
  }

  reset() {
    this.input.value = "";
    this.results.replaceChildren();
  }

  async search() {
    const query = this.input.value.trim();
    const generation = ++this.generation;
    if (!query) {
      this.results.replaceChildren();
      return;
    }
    let page;
    try {
      page = await this.api.get(paths.searchUsers(query));
    } catch (error) {
      if (generation === this.generation) say(this.status, describeError(error));
      return;
    }
    if (generation !== this.generation) return;
    say(this.status, "");
    const skip = new Set(this.exclude());
    const people = page.results.filter((u) => !skip.has(u.user_id));
    if (!people.length) {
      this.results.replaceChildren(h("li", { class: "muted", text: "No one found." }));
      return;
    }
    this.results.replaceChildren(...people.map((user) => h("li", {},
      h("button", {
        type: "button", class: "person",
        "aria-label": `${this.actionLabel} ${personName(user)} (${user.username})`,
        onclick: () => this.onChoose(user),
      }, h("span", { class: "name", text: personName(user) }), " ",
      h("span", { class: "muted", text: `@${user.username}` })))));
  }
}
