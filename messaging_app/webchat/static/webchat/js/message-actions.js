// Editing and deleting one's own messages: the edit form drawn in place of
// the message (Enter saves, Escape cancels) and the two-step Delete button.

import { paths } from "./api.js";
import { h, say } from "./dom.js";
import { describeError } from "./errors.js";

const DELETE_CONFIRM_MS = 5000;

export class MessageActions {
  /** current: the open conversation's state; list: the MessageList; me(): the signed-in user. */
  constructor({ api, current, list, me }) {
    Object.assign(this, { api, current, list, me });
  }

  /**
   * Up in the empty message box: edit my newest message; Escape or saving
   * comes back to returnTo.  False when there is none to edit.
   */
  editLast(returnTo) {
    const meId = this.me().user_id;
    let newest = null;
    for (const message of this.list.values()) {
      if (message.sender.user_id === meId && !message.deleted_at && (!newest || message.seq > newest.seq)) newest = message;
    }
    if (!newest || this.current.gone) return false;
    this.startEdit(newest.message_id, { returnTo });
    this.list.node(newest.message_id)?.scrollIntoView({ block: "nearest" });
    return true;
  }

  /** Edit in place; afterwards (saved or not) the focus goes to returnTo, else the message. */
  startEdit(messageId, { returnTo = null } = {}) {
    const message = this.list.get(messageId);
    const li = this.list.node(messageId);
    if (!message || !li || message.deleted_at) return;
    const label = `edit-${messageId}`;
    const field = h("textarea", { id: label, class: "edit-input", rows: "2", maxlength: "10000" });
    field.value = message.message_body;
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const refocus = (node) => (returnTo || node?.querySelector("button"))?.focus();
    const cancel = () => refocus(this.list.redraw(messageId));
    const save = async () => {
      const text = field.value.trim();
      if (!text) {
        say(error, "A message needs some text; use Delete to remove it.");
        return;
      }
      if (text === message.message_body) {
        cancel();
        return;
      }
      try {
        const updated = await this.api.patch(paths.message(this.current.id, messageId), { message_body: text });
        this.list.upsert(updated, { quiet: true, force: true });
        refocus(this.list.node(messageId));
      } catch (problem) {
        say(error, describeError(problem));
      }
    };
    field.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        save();
      } else if (event.key === "Escape") {
        event.preventDefault();
        cancel();
      }
    });
    const form = h("div", { class: "bubble editing" },
      h("label", { for: label, text: "Edit your message (Enter saves, Escape cancels)" }),
      field, error,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", text: "Save", onclick: save }),
        h("button", { type: "button", text: "Cancel", onclick: cancel })));
    li.replaceChildren(form);
    field.focus();
  }

  /** The first press arms the button for a few seconds; the second deletes. */
  confirmDelete(button, messageId) {
    if (button.dataset.armed !== "1") {
      button.dataset.armed = "1";
      button.textContent = "Confirm delete";
      setTimeout(() => {
        if (button.isConnected) {
          button.dataset.armed = "";
          button.textContent = "Delete";
        }
      }, DELETE_CONFIRM_MS);
      return;
    }
    button.disabled = true;
    this.api.delete(paths.message(this.current.id, messageId))
      .then(() => {
        const message = this.list.get(messageId);
        if (message && !message.deleted_at) {
          this.list.upsert({ ...message, message_body: "", deleted_at: new Date().toISOString() }, { quiet: true });
        }
      })
      .catch((error) => {
        button.disabled = false;
        this.list.note(`Could not delete: ${describeError(error)}`);
      });
  }
}
