// A message body as nodes: text stays text nodes, and three things are
// made of it: http and https addresses become links (opened in a new tab,
// rel="noopener noreferrer"), `inline code` and ```code blocks```.  Nothing
// else of Markdown; no string is ever parsed as markup, and an address with
// any other scheme (javascript:, data:, ...) stays plain text.

import { h } from "./dom.js";

const ADDRESS = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that ends a sentence rather than the address.
const TRAILING = ".,;:!?'\"]}";
const CODE_BLOCK = /```(?:[^\n`]*\n)?([\s\S]*?)```/g;
const INLINE_CODE = /`([^`\n]+)`/g;

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

/** Split text on pattern's matches: [text, node, text, ...] with make(match) as nodes. */
function splitOn(text, pattern, make, between) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const node = make(match);
    if (!node) continue;
    out.push(...between(text.slice(last, match.index)), node.node);
    last = match.index + node.length;
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

function links(text) {
  return text ? splitOn(text, ADDRESS, link, (plain) => (plain ? [plain] : [])) : [];
}

function inline(text) {
  return splitOn(text, INLINE_CODE,
    (match) => ({ node: h("code", { text: match[1] }), length: match[0].length }), links);
}

/** The nodes (and strings, as text) that draw body. */
export function richText(body) {
  return splitOn(body || "", CODE_BLOCK,
    (match) => ({ node: h("pre", {}, h("code", { text: match[1] })), length: match[0].length }),
    inline);
}
