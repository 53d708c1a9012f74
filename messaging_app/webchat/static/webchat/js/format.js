// Names and times as people read them, in the browser's own time zone.

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayAndTime = new Intl.DateTimeFormat(undefined, {
  month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
});
const fullDate = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "long" });
const dayOnly = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

export function sameDay(a, b) {
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

const weekdayDate = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
const fullDay = new Intl.DateTimeFormat(undefined, { dateStyle: "full" });

/** "Today", "Yesterday", "Friday, December 4", or with the year when another year (a Date). */
export function dayLabel(when) {
  const today = new Date();
  if (sameDay(when, today)) return "Today";
  if (sameDay(when, new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1))) return "Yesterday";
  return when.getFullYear() === today.getFullYear() ? weekdayDate.format(when) : fullDay.format(when);
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

/**
 * The line under a conversation's name: for a direct conversation the other
 * person ("Bob Tester · @bob"), for a group its members.
 */
export function membersLine(conversation, meId) {
  const people = conversation.participants || [];
  const other = people.find((u) => u.user_id !== meId);
  if (conversation.direct && other) return `${personName(other)} · @${other.username}`;
  const names = people.map((u) => (u.user_id === meId ? "you" : personName(u)));
  return `${names.length} members: ${names.join(", ")}`;
}
