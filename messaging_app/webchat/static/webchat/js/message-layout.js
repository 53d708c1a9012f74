// How the history reads: consecutive messages from one sender within a few
// minutes form a group (only its first shows the name and time; the others
// keep them for screen readers), and a line with the day goes before each
// day's first message.  Run after every change to the list: it only reads
// and moves classes and separator lines, never the messages themselves.

import { h } from "./dom.js";
import { dayLabel, sameDay } from "./format.js";

export const GROUP_MS = 5 * 60_000;

/** Lay out the stored messages of a history list (the <ol>). */
export function layOut(ol) {
  for (const line of ol.querySelectorAll(".date-separator")) line.remove();
  let previous = null;
  for (const li of ol.querySelectorAll("li.message[data-sent]")) {
    const sent = new Date(li.dataset.sent);
    const newDay = !previous || !sameDay(previous.sent, sent);
    if (newDay) {
      const label = dayLabel(sent);
      const line = h("li", { class: "date-separator", role: "separator", "aria-label": label },
        h("span", { text: label }));
      // Above the "New messages" line when that opens the day.
      const before = li.previousElementSibling;
      (before && before.classList.contains("unread-divider") ? before : li).before(line);
    }
    const grouped = !newDay && previous.li === li.previousElementSibling
      && previous.sender === li.dataset.sender && sent - previous.sent < GROUP_MS;
    li.classList.toggle("grouped", grouped);
    previous = { li, sent, sender: li.dataset.sender };
  }
}
