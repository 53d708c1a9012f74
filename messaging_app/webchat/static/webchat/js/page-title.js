// The window's title: what is open ("Weekend trip · Messages", or
// "Messages") with the unread total in front ("(3) ...") when there is one.
// The conversation and the list each set their part here.

const APP = "Messages";

let name = APP;
let unread = 0;

function draw() {
  document.title = unread ? `(${unread}) ${name}` : name;
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
