// Who is online: the participants of the API carry `online` (true, false,
// or null when the server cannot tell) and `last_seen_at`; presence.changed
// events from the socket update every copy of that person in the store.
// Shown as a dot in the list (direct conversations), a word in the header and
// in the members list.

import { h, byId } from "./dom.js";
import { listTime, longTime } from "./format.js";

/** "online", "last seen 14:02" (or a day), or "" when unknown. */
export function presenceText(user) {
  if (!user) return "";
  if (user.online === true) return "online";
  if (user.online === false && user.last_seen_at) return `last seen ${listTime(user.last_seen_at)}`;
  if (user.online === false) return "offline";
  return "";
}

/** A small dot (green when online) with the same words for screen readers; null when unknown. */
export function presenceDot(user) {
  const text = presenceText(user);
  if (!text) return null;
  return h("span", {
    class: `presence-dot ${user.online ? "is-online" : "is-offline"}`,
    title: user.last_seen_at && !user.online ? `Last seen ${longTime(user.last_seen_at)}` : text,
    dataset: { presence: user.online ? "online" : "offline" },
  }, h("span", { class: "visually-hidden", text: `, ${text}` }));
}

/** The words beside a person in the members list ("" when unknown). */
export function presenceNote(user) {
  const text = presenceText(user);
  return text ? h("span", { class: "presence muted", text: ` · ${text}` }) : null;
}

/** The header's presence line: the other person's for a direct conversation, how many are online for a group. */
export function showHeaderPresence(conversation, meId) {
  const line = byId("conversation-presence");
  const others = (conversation?.participants || []).filter((u) => u.user_id !== meId);
  const online = others.filter((u) => u.online === true).length;
  line.textContent = conversation?.direct ? presenceText(others[0]) : online ? `${online} online` : "";
}

/** A presence.changed event: update that person in every conversation of
 * the store and in `open` (the conversation on screen), then announce it. */
export function applyPresence(conversations, event, open) {
  const copies = [open, ...conversations.ids().map((id) => conversations.get(id))];
  conversations.batch(() => {
    for (const c of copies) {
      const person = (c?.participants || []).find((u) => u.user_id === event.user_id);
      if (!person) continue;
      person.online = event.online;
      person.last_seen_at = event.last_seen_at;
      conversations.changed();
    }
  });
  conversations.dispatchEvent(new Event("presence"));
}
