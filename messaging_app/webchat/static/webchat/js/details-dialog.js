// A conversation's details: rename a group, list, add and remove members,
// hand it over, leave, delete.  The controls follow the API's roles: a
// group's owner removes others, hands it over and deletes it; a direct
// conversation (`direct`, no owner) can be deleted by either person, nobody
// removes the other, and nobody joins it, even after one of the two left
// (`direct` stays true): choosing someone there starts a new conversation
// with the people still in it and them.

import { paths } from "./api.js";
import { h, byId, say } from "./dom.js";
import { describeError } from "./errors.js";
import { personName } from "./format.js";
import { presenceNote } from "./presence.js";
import { PeopleSearch } from "./people-search.js";

function ownerIdOf(conversation) {
  const owner = conversation.owner;
  if (!owner) return null;
  return typeof owner === "object" ? owner.user_id : String(owner);
}

export class DetailsDialog {
  /**
   * current(): the open conversation; onUpdated(conversation); onGone(id):
   * I left or deleted it.
   */
  constructor({ api, me, current, onUpdated, onGone }) {
    Object.assign(this, { api, me, current, onUpdated, onGone });
    this.dialog = byId("details-dialog");
    this.members = byId("details-members");
    this.error = byId("details-error");
    this.name = byId("details-name");
    this.rename = byId("details-rename");
    this.leaveButton = byId("details-leave");
    this.deleteButton = byId("details-delete");
    this.addLabel = this.dialog.querySelector("label[for='details-search']");
    this.search = new PeopleSearch({
      api, input: byId("details-search"), results: byId("details-results"), status: this.error,
      exclude: () => (this.current()?.participants || []).map((u) => u.user_id),
      actionLabel: "Add",
      onChoose: (user) => this.add(user),
    });
    byId("details-save-title").addEventListener("click", () => this.saveTitle());
    this.leaveButton.addEventListener("click", () => this.leave());
    this.deleteButton.addEventListener("click", () => this.remove());
  }

  /** Does it take people in?  Never a direct conversation (the server's `direct`). */
  get isGroup() {
    const c = this.current();
    return Boolean(c && !c.direct);
  }

  /** The members other than me. */
  others(c) {
    return (c.participants || []).map((u) => u.user_id).filter((id) => id !== this.me().user_id);
  }

  /** Am I the owner (who removes others, hands over and deletes a group)? */
  get isOwner() {
    return ownerIdOf(this.current() || {}) === this.me().user_id;
  }

  open() {
    const c = this.current();
    if (!c) return;
    say(this.error, "");
    this.search.reset();
    this.name.value = c.title || "";
    this.deleteButton.dataset.armed = "";
    this.deleteButton.textContent = "Delete conversation";
    this.render();
    this.dialog.showModal();
  }

  render() {
    const c = this.current();
    if (!c) return;
    const ownerId = ownerIdOf(c);
    const meId = this.me().user_id;
    this.rename.hidden = !this.isGroup;
    const alone = !this.isGroup && this.others(c).length === 0;
    this.addLabel.textContent = this.isGroup ? "Add people"
      : alone ? "New conversation with…" : "New group with these people and…";
    this.search.actionLabel = this.isGroup ? "Add" : alone ? "Start a conversation with" : "Start a group with";
    this.deleteButton.hidden = !(this.isOwner || !this.isGroup);
    this.members.replaceChildren(...(c.participants || []).map((user) => h("li", {},
      h("span", { class: "name", text: user.user_id === meId ? `${personName(user)} (you)` : personName(user) }),
      user.user_id === ownerId ? h("span", { class: "muted", text: " · owner" }) : null,
      user.user_id === meId ? null : presenceNote(user),
      this.isGroup && this.isOwner && user.user_id !== meId
        ? h("button", {
          type: "button", class: "link", text: "Make owner",
          "aria-label": `Hand the conversation over to ${personName(user)}`,
          onclick: () => this.handOver(user),
        })
        : null,
      this.isGroup && this.isOwner && user.user_id !== meId
        ? h("button", {
          type: "button", class: "link danger", text: "Remove",
          "aria-label": `Remove ${personName(user)} from the conversation`,
          onclick: () => this.removeMember(user),
        })
        : null)));
  }

  async saveTitle() {
    const c = this.current();
    try {
      this.onUpdated(await this.api.patch(paths.conversation(c.conversation_id), { title: this.name.value.trim() }));
      this.render();
      say(this.error, "");
    } catch (error) {
      say(this.error, describeError(error));
    }
  }

  async add(user) {
    const c = this.current();
    if (!this.isGroup) {
      await this.startGroup(c, user);
      return;
    }
    try {
      const updated = await this.api.post(paths.participants(c.conversation_id), { participants: [user.user_id] });
      this.onUpdated(updated);
      this.search.reset();
      this.render();
      this.search.input.focus();
    } catch (error) {
      say(this.error, describeError(error));
    }
  }

  /** A direct conversation stays between its two people: a new conversation
   * with whoever is still in it and user instead (just user, once the other
   * left: a direct conversation with them). */
  async startGroup(c, user) {
    try {
      const group = await this.api.post(paths.conversations, { participants: [...this.others(c), user.user_id] });
      this.dialog.close();
      window.history.pushState({}, "", `/c/${group.conversation_id}/`);
      window.dispatchEvent(new PopStateEvent("popstate"));
    } catch (error) {
      say(this.error, describeError(error));
    }
  }

  async removeMember(user) {
    const c = this.current();
    try {
      await this.api.delete(paths.participant(c.conversation_id, user.user_id));
      this.onUpdated({ ...c, participants: c.participants.filter((u) => u.user_id !== user.user_id) });
      this.render();
      this.members.querySelector("button")?.focus() || this.search.input.focus();
    } catch (error) {
      say(this.error, describeError(error));
    }
  }

  async handOver(user) {
    const c = this.current();
    try {
      this.onUpdated(await this.api.post(paths.owner(c.conversation_id), { owner: user.user_id }));
      this.render();
      say(this.error, `${personName(user)} now owns the conversation.`);
    } catch (error) {
      say(this.error, describeError(error));
    }
  }

  async leave() {
    const c = this.current();
    try {
      await this.api.post(paths.leave(c.conversation_id));
      this.dialog.close();
      this.onGone(c.conversation_id, "You left the conversation.");
    } catch (error) {
      say(this.error, describeError(error));
    }
  }

  async remove() {
    const c = this.current();
    if (this.deleteButton.dataset.armed !== "1") {
      this.deleteButton.dataset.armed = "1";
      this.deleteButton.textContent = "Confirm: delete for everyone";
      return;
    }
    try {
      await this.api.delete(paths.conversation(c.conversation_id));
      this.dialog.close();
      this.onGone(c.conversation_id, "The conversation was deleted.");
    } catch (error) {
      say(this.error, describeError(error));
    }
  }
}
