// A message body as nodes: text stays text nodes, and three things are
// made of it: http and https addresses become links (opened in a new tab,
// rel="noopener noreferrer"), `inline code` and ```code blocks```.  Nothing
// else of Markdown; no string is ever parsed as markup, and an address with
// any other scheme (javascript:, data:, ...) stays plain text.  In the plain
// text that is left (not in links or code), the "@username"s a message
// mentions are highlighted (mentionMarker).

import { h } from "./dom.js";

const ADDRESS = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that ends a sentence rather than the address.
const TRAILING = ".,;:!?'\"]}";
const CODE_BLOCK = /```(?:[^\n`]*\n)?([\s\S]*?)```/g;
const INLINE_CODE = /`([^`\n]+)`/g;
// "@name" not inside a word or an e-mail address (as the server reads mentions).
const MENTION = /(^|[^\w@.+-])@([\w.+-]+)/g;

/** href for text when it is an http(s) URL, else null. */
export function safeHref(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

/**
 * Split text on pattern's matches: [text, node, text, ...] with make(match)
 * as nodes ({node, length}, and skip: match characters left as text before
 * the node); between(text) draws the text around them.
 */
function splitOn(text, pattern, make, between) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const node = make(match);
    if (!node) continue;
    const start = match.index + (node.skip || 0);
    out.push(...between(text.slice(last, start)), node.node);
    last = start + node.length;
  }
  out.push(...between(text.slice(last)));
  return out;
}

/** text without the punctuation after an address (a ")" only when unmatched). */
function trimTrailing(text) {
  const count = (part, ch) => part.split(ch).length - 1;
  let end = text.length;
  while (end > 0) {
    const ch = text[end - 1];
    const part = text.slice(0, end);
    if (!TRAILING.includes(ch) && !(ch === ")" && count(part, "(") < count(part, ")"))) break;
    end -= 1;
  }
  return text.slice(0, end);
}

function link(match) {
  const text = trimTrailing(match[0]);
  const href = safeHref(text);
  if (!href) return null;
  return {
    node: h("a", { href, target: "_blank", rel: "noopener noreferrer", class: "link-out", text }),
    length: text.length,
  };
}

function links(text, plain) {
  return text ? splitOn(text, ADDRESS, link, plain) : [];
}

function inline(text, plain) {
  return splitOn(text, INLINE_CODE,
    (match) => ({ node: h("code", { text: match[1] }), length: match[0].length }),
    (part) => links(part, plain));
}

/** The plain text as itself: one string, or nothing when empty. */
function asText(text) {
  return text ? [text] : [];
}

/**
 * A plain-text drawer (text -> strings and nodes) that puts each "@username"
 * of people ([{user_id, username}], the members a message mentions) in a
 * span.mention, span.mention.me for meId; null when people is empty.
 */
export function mentionMarker(people, meId) {
  const byName = new Map(people.map((u) => [u.username.toLowerCase(), u.user_id]));
  if (!byName.size) return null;
  return (text) => splitOn(text, MENTION, (match) => {
    const name = match[2].replace(/[.-]+$/, "");
    const id = byName.get(name.toLowerCase());
    if (!id) return null;
    const span = h("span", { class: id === meId ? "mention me" : "mention", text: `@${name}` });
    // The match starts with the character before "@" (kept as text).
    return { node: span, skip: match[1].length, length: 1 + name.length };
  }, asText);
}

/**
 * The nodes (and strings, as text) that draw body; plain(text) draws the
 * text outside links and code (as text by default, see mentionMarker).
 */
export function richText(body, plain = null) {
  const text = plain || asText;
  return splitOn(body || "", CODE_BLOCK,
    (match) => ({ node: h("pre", {}, h("code", { text: match[1] })), length: match[0].length }),
    (part) => inline(part, text));
}
