// The message box: Enter sends (Shift+Enter adds a line), the box grows with
// its text, and what is typed is kept as the conversation's draft.  A send
// goes to the outbox, which shows it as pending at once.

import { byId } from "./dom.js";

const MAX_HEIGHT_PX = 160;

export class Composer {
  /**
   * current: the open conversation's state; typing: the Typing notices;
   * onSend(): a message went to the outbox; onEditLast(): Up in the empty
   * box, returns whether a message of mine went into editing.
   */
  constructor({ current, typing, onSend, onEditLast = () => false }) {
    Object.assign(this, { current, typing, onSend, onEditLast });
    this.outbox = null;
    this.drafts = null;
    this.form = byId("composer");
    this.input = byId("composer-input");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing
          && !event.altKey && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        this.send();
      } else if (event.key === "ArrowUp" && !this.input.value && !event.shiftKey
                 && !event.altKey && !event.ctrlKey && !event.metaKey && this.onEditLast()) {
        event.preventDefault();
      }
    });
    this.input.addEventListener("input", () => {
      this.fit();
      if (!this.current.id) return;
      this.drafts.set(this.current.id, this.input.value);
      if (this.input.value.trim()) this.typing.typed();
    });
  }

  /** The signed-in user's outbox and drafts. */
  use({ outbox, drafts }) {
    Object.assign(this, { outbox, drafts });
  }

  /** Show the open conversation's draft, ready to type. */
  load() {
    this.input.disabled = false;
    this.input.value = this.drafts.get(this.current.id);
    this.fit();
  }

  disable() {
    this.input.disabled = true;
  }

  focus() {
    this.input.focus();
  }

  send() {
    const { id, gone } = this.current;
    if (!id || gone) return;
    const body = this.input.value.trim();
    if (!body) return;
    this.outbox.add(id, body);
    this.input.value = "";
    this.drafts.set(id, "");
    this.fit();
    this.onSend();
  }

  /** Add text after what is in the box (a failed send to edit). */
  append(text) {
    const { input } = this;
    input.value = input.value ? `${input.value}\n${text}` : text;
    this.drafts.set(this.current.id, input.value);
    this.fit();
    input.focus();
  }

  fit() {
    const { input } = this;
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight + 2, MAX_HEIGHT_PX)}px`;
  }
}
