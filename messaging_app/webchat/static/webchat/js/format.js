// Names and times as people read them, in the browser's own time zone.

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
});
const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });
const dayOnly = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth()
    && a.getDate() === b.getDate();
}

/** "14:05" today, "Mar 3, 14:05" otherwise. */
export function messageTime(iso) {
  const when = new Date(iso);
  return sameDay(when, new Date()) ? timeOnly.format(when) : dayAndTime.format(when);
}

/** "14:05" today, "Mar 3" otherwise (the conversation list). */
export function listTime(iso) {
  const when = new Date(iso);
  return sameDay(when, new Date()) ? timeOnly.format(when) : dayOnly.format(when);
}

/** The complete date and time, with the zone, for a tooltip. */
export function longTime(iso) {
  return fullDate.format(new Date(iso));
}

/** A user's display name: full name, else username. */
export function personName(user) {
  if (!user) return "Someone";
  return user.full_name || user.username || "Someone";
}

/**
 * A conversation's name for me: its title, else the other people's names
 * (one name for a direct conversation).
 */
export function conversationName(conversation, meId) {
  if (conversation.title) return conversation.title;
  const others = (conversation.participants || []).filter((u) => u.user_id !== meId);
  if (!others.length) return "Just you";
  return others.map(personName).join(", ");
}

/** The first line of a body, shortened for the list. */
export function preview(body, limit = 80) {
  const line = (body || "").replace(/\s+/g, " ").trim();
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}
