// Building DOM nodes without markup: text always goes in as text nodes, so a
// message body such as <img src=x onerror=...> is shown, never parsed.

/**
 * Create an element.  attrs: "class", "text", on<event> handlers, "dataset"
 * (an object), booleans (true sets the attribute, false leaves it out) and
 * any other attribute as a string.  children: nodes or strings (as text).
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

/** Append nodes and strings (as text) to parent, skipping null and false. */
export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** The element with this id (throws if the page lacks it: a template bug). */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`page element #${id} is missing`);
  return node;
}

/** Show text in an element and unhide it; hide it when text is empty. */
export function say(node, text) {
  node.textContent = text || "";
  node.hidden = !text;
}
