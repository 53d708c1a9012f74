// Initials avatars: a person's (or a group's) initials on a colour worked
// out from their id, so the same person has the same colour everywhere and
// on every device.  Decorative (aria-hidden): names are always written too.

import { h } from "./dom.js";

/** Up to two initials of a name ("Dana Scully" -> "DS", "dana" -> "D"). */
export function initials(name) {
  const words = (name || "?").trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words.slice(0, 1);
  return letters.map((word) => [...word][0].toUpperCase()).join("") || "?";
}

/** A hue from an id (a string hash), as a dark enough colour for white text. */
export function colourOf(id) {
  let hash = 0;
  for (const char of String(id)) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return `hsl(${hash % 360} 55% 38%)`;
}

/** The avatar element for a name and an id. */
export function avatar(name, id) {
  const node = h("span", { class: "avatar", "aria-hidden": "true", text: initials(name) });
  node.style.backgroundColor = colourOf(id);  // CSSOM: allowed by the page's style-src
  return node;
}
