// Typing "@" in the message box suggests the conversation's members: an ARIA
// combobox (the box) with a listbox of names.  Up and Down move through
// them, Enter or Tab puts "@username " in the box, Escape closes the list;
// screen readers hear the active option (aria-activedescendant) and how
// many there are.  It listens first (capture), so Enter picks a name
// instead of sending while the list is open.

import { byId, h, say } from "./dom.js";
import { personName } from "./format.js";

const MAX_OPTIONS = 8;
// "@" and what follows it up to the caret, at the start or after a space.
const TYPED = /(^|\s)@([\w.+-]*)$/;

export class MentionSuggest {
  /** current: the open conversation's state; me(): the signed-in user. */
  constructor({ current, me }) {
    Object.assign(this, { current, me });
    this.input = byId("composer-input");
    this.listbox = byId("mention-options");
    this.status = byId("mention-status");
    this.options = [];
    this.active = -1;
    this.input.setAttribute("role", "combobox");
    this.input.setAttribute("aria-autocomplete", "list");
    this.input.setAttribute("aria-controls", "mention-options");
    this.input.setAttribute("aria-expanded", "false");
    this.input.addEventListener("input", () => this.update());
    this.input.addEventListener("keydown", (event) => this.onKey(event), true);
    this.input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
  }

  /** The "@partial" before the caret, or null. */
  typed() {
    const { input } = this;
    if (input.selectionStart !== input.selectionEnd) return null;
    const match = input.value.slice(0, input.selectionStart).match(TYPED);
    return match ? { query: match[2].toLowerCase(), start: input.selectionStart - match[2].length - 1 } : null;
  }

  update() {
    const typed = this.typed();
    const meId = this.me()?.user_id;
    const people = (this.current.conversation?.participants || []).filter((u) => u.user_id !== meId);
    if (!typed || !people.length) {
      this.close();
      return;
    }
    const matches = people.filter((u) => u.username.toLowerCase().startsWith(typed.query)
      || personName(u).toLowerCase().split(/\s+/).some((part) => part.startsWith(typed.query)))
      .slice(0, MAX_OPTIONS);
    if (!matches.length) {
      this.close();
      return;
    }
    this.options = matches;
    this.listbox.replaceChildren(...matches.map((u, i) => h("li", {
      id: `mention-option-${i}`, role: "option", "aria-selected": "false",
      dataset: { username: u.username },
      onmousedown: (event) => {
        event.preventDefault();  // keep the focus in the box
        this.pick(i);
      },
    }, h("span", { class: "option-name", text: personName(u) }), " ",
    h("span", { class: "muted", text: `@${u.username}` }))));
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    say(this.status, `${matches.length} ${matches.length === 1 ? "person" : "people"} to mention: use up and down, then Enter.`);
    this.highlight(0);
  }

  get open() {
    return !this.listbox.hidden;
  }

  highlight(index) {
    this.active = (index + this.options.length) % this.options.length;
    [...this.listbox.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
    this.input.setAttribute("aria-activedescendant", `mention-option-${this.active}`);
  }

  onKey(event) {
    if (!this.open) return;
    const keys = { ArrowDown: () => this.highlight(this.active + 1),
      ArrowUp: () => this.highlight(this.active - 1),
      Enter: () => this.pick(this.active), Tab: () => this.pick(this.active),
      Escape: () => this.close() };
    const action = keys[event.key];
    if (!action || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    action();
  }

  /** Put "@username " in place of what was typed after "@". */
  pick(index) {
    const person = this.options[index];
    const typed = this.typed();
    if (!person || !typed) {
      this.close();
      return;
    }
    const { input } = this;
    const before = input.value.slice(0, typed.start);
    const after = input.value.slice(input.selectionStart);
    const inserted = `@${person.username} `;
    input.value = before + inserted + after.replace(/^\s+/, "");
    const caret = before.length + inserted.length;
    input.setSelectionRange(caret, caret);
    this.close();
    input.dispatchEvent(new Event("input"));  // the draft keeps it
  }

  close() {
    if (!this.open && this.active === -1) return;
    this.listbox.hidden = true;
    this.listbox.replaceChildren();
    this.options = [];
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    say(this.status, "");
  }
}
