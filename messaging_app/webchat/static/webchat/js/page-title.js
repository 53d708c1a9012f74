// The window's title and icon: what is open ("Weekend trip · Messages", or
// "Messages") with the unread total in front ("(3) ...") when there is one,
// and the same number drawn on the tab's icon.  The conversation and the
// list each set their part here.

const APP = "Messages";
const ICON_PATH = "M4 6a4 4 0 0 1 4-4h16a4 4 0 0 1 4 4v13a4 4 0 0 1-4 4H13l-7 6v-6H8a4 4 0 0 1-4-4z";

let name = APP;
let unread = 0;
let plainIcon = null;

/** The icon with a red badge holding count (an SVG data: URL). */
export function badgeIcon(count) {
  const text = count > 99 ? "99+" : String(count);
  const size = text.length > 2 ? 11 : 14;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">`
    + `<path fill="#1f5fbf" d="${ICON_PATH}"/>`
    + `<circle cx="22" cy="11" r="10" fill="#c62828"/>`
    + `<text x="22" y="15.5" text-anchor="middle" font-family="sans-serif" font-weight="bold" `
    + `font-size="${size}" fill="#fff">${text}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

function draw() {
  document.title = unread ? `(${unread}) ${name}` : name;
  const link = document.querySelector("link[rel='icon']");
  if (!link) return;
  if (plainIcon === null) plainIcon = link.getAttribute("href");
  const href = unread ? badgeIcon(unread) : plainIcon;
  if (link.getAttribute("href") !== href) link.setAttribute("href", href);
  link.dataset.unread = String(unread);
}

/** What is open: a conversation's name, or null for none. */
export function setOpenName(conversationName) {
  name = conversationName ? `${conversationName} · ${APP}` : APP;
  draw();
}

/** The unread messages of every conversation in the list. */
export function setUnreadTotal(total) {
  unread = total;
  draw();
}
