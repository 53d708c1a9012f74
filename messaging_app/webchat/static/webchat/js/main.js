// The chat page's wiring: signs in (and out), loads the conversation list,
// opens conversations from the address (/c/<id>/), starts the WebSocket
// whose events LiveEvents applies, and sends through the outbox.  Only the
// public API is used.

import { Api, pathOf, paths } from "./api.js";
import { AuthForms } from "./auth-forms.js";
import { ConnectionBanner } from "./connection-banner.js";
import { ConversationList } from "./conversation-list.js";
import { ConversationView } from "./conversation-view.js";
import { Conversations } from "./conversations.js";
import { DetailsDialog } from "./details-dialog.js";
import { byId, say } from "./dom.js";
import { Drafts } from "./drafts.js";
import { NetworkError, SessionEnded, describeError } from "./errors.js";
import { LiveEvents } from "./live-events.js";
import { MessageSearch } from "./message-search.js";
import { NewConversationDialog } from "./new-conversation.js";
import { Notifications } from "./notifications.js";
import { Outbox } from "./outbox.js";
import { Session } from "./session.js";
import { EventSocket } from "./socket.js";

const CONVERSATION_PATH = /^\/c\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;
const BOOT_RETRY_MS = 3000;

const storage = window.sessionStorage;  // drafts and the outbox, per tab (no tokens)
const session = new Session();
const api = new Api(session);
const conversations = new Conversations();

let me = null;
let outbox = null;
let drafts = null;
let socket = null;
let live = null;

const boot = byId("boot");
const chat = byId("chat");
const banner = new ConnectionBanner({ onReconnect: () => socket && socket.reconnectNow() });

const auth = new AuthForms({ api, session, onSignedIn: () => start() });
const whoAmI = () => me;  // the one way components learn the signed-in user

const list = new ConversationList({
  conversations, me: whoAmI,
  onOpen: (id) => navigate(`/c/${id}/`),
  onMore: () => loadMoreConversations(),
});
const view = new ConversationView({
  api, me: whoAmI,
  socketSend: (frame) => Boolean(socket && socket.send(frame)),
  onReadState: (state) => conversations.applyRead(state.conversation_id, state.last_read_seq),
});
new MessageSearch({
  api, conversations, me: whoAmI,
  onOpen: (id, seq) => navigate(`/c/${id}/?around=${seq}`),
});
const notifications = new Notifications({
  me: whoAmI, openId: () => view.id, onOpen: (id) => navigate(`/c/${id}/`),
});
const newDialog = new NewConversationDialog({
  api, me: whoAmI,
  onCreated: (conversation) => {
    conversations.upsert(conversation);
    navigate(`/c/${conversation.conversation_id}/`);
  },
});
const detailsDialog = new DetailsDialog({
  api, me: whoAmI, current: () => view.conversation,
  onUpdated: (conversation) => {
    const merged = { ...view.conversation, ...conversation };
    view.setConversation(merged);
    conversations.upsert(merged);
  },
  onGone: (id, text) => {
    conversations.remove(id);
    navigate("/");
    say(byId("list-status"), text);
  },
});

// The members list follows presence.changed while the dialog is open.
conversations.addEventListener("presence", () => {
  if (detailsDialog.dialog.open) detailsDialog.render();
});

// ---- session ----------------------------------------------------------------

session.onEnded = (error) => stop(error.message);

/** Resume the session the cookie holds, if any (a new tab, a reload, a restart). */
async function resume() {
  try {
    await session.refresh();
  } catch (error) {
    if (error instanceof SessionEnded) {
      boot.hidden = true;
      auth.show(error.message);
      return;
    }
    say(boot, "Cannot reach the server; trying again…");
    setTimeout(resume, BOOT_RETRY_MS);
    return;
  }
  await start();
}

async function start() {
  try {
    me = await api.get(paths.me);
  } catch (error) {
    if (!(error instanceof SessionEnded)) {  // SessionEnded: the sign-in form is up
      say(boot, error instanceof NetworkError ? "Cannot reach the server; trying again…"
        : `The server answered: ${describeError(error)} Trying again…`);
      setTimeout(start, BOOT_RETRY_MS);
    }
    return;
  }
  drafts = new Drafts(storage, `webchat.drafts.${me.user_id}`);
  outbox = new Outbox({
    api, storage, storageKey: `webchat.outbox.${me.user_id}`,
    onChange: (conversationId) => {
      if (view.id === conversationId) view.renderPending();
    },
    onSent: (item, message) => live.message("message.created", message),
  });
  live = new LiveEvents({
    api, conversations, view, me: whoAmI, outbox, reloadList: () => loadConversations(),
    onArrived: (message) => notifications.message(message, conversations.get(message.conversation)),
  });
  notifications.start();
  view.use({ outbox, drafts });
  byId("me-name").textContent = me.full_name || me.username;
  auth.hide();
  boot.hidden = true;
  chat.hidden = false;
  conversations.clear();
  await loadConversations();
  banner.reset();
  socket = new EventSocket({
    api, positions: () => conversations.positions(),
    onEvent: (event) => live.handle(event), onStatus: (state, detail) => banner.show(state, detail),
    // Closed for this login (signed out in another tab, password changed,
    // token expired): a refresh tells whether the session goes on.
    onRevoked: () => session.recheck().catch(() => {}),
  });
  socket.start();
  outbox.retryAll();
  route();
}

/** Leave the chat for the sign-in form (session ended, or signed out). */
function stop(message) {
  if (socket) socket.stop();
  socket = null;
  if (outbox) outbox.halt();
  view.close();
  conversations.clear();
  me = null;
  chat.hidden = true;
  banner.hide();
  boot.hidden = true;
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  if (window.location.pathname !== "/") window.history.replaceState({}, "", "/");
  auth.show(message);
}

byId("signout").addEventListener("click", async () => {
  if (outbox) outbox.clear();
  if (drafts) drafts.clear();
  const everywhere = await session.signOut();
  stop(everywhere ? "You are signed out."
    : "You are signed out of this tab; the server could not be reached to end the session everywhere.");
});

// ---- conversation list ------------------------------------------------------

async function loadConversations() {
  try {
    conversations.addPage(await api.get(paths.conversations));
  } catch (error) {
    if (!(error instanceof SessionEnded)) say(byId("list-status"), "Could not load your conversations; retrying when the connection is back.");
  }
}

async function loadMoreConversations() {
  if (!conversations.nextPage) return;
  try {
    conversations.addPage(await api.get(pathOf(conversations.nextPage)));
  } catch (error) {
    say(byId("list-status"), describeError(error));
  }
}

// ---- routing ----------------------------------------------------------------

/**
 * Show what the address names (/c/<id>/, with ?around=<seq> for a search
 * hit); focus: move the keyboard focus there too.
 */
function route({ focus = false } = {}) {
  if (!me) return;
  const match = window.location.pathname.match(CONVERSATION_PATH);
  const id = match ? match[1].toLowerCase() : null;
  const around = Number(new URLSearchParams(window.location.search).get("around")) || null;
  document.body.classList.toggle("in-conversation", Boolean(id));
  notifications.showMute(id);
  if (id) {
    notifications.clear(id);
    view.open(id, { around }).then(() => {
      if (focus && view.id === id && view.shown) view.focusComposer();
    });
  } else {
    view.close();
  }
  list.setActive(id);
}

function navigate(path) {
  const here = window.location.pathname + window.location.search;
  if (here !== path) window.history.pushState({}, "", path);
  route({ focus: true });
  if (path === "/") byId("list-title").focus();
}

window.addEventListener("popstate", () => route());
byId("back").addEventListener("click", (event) => {
  event.preventDefault();
  navigate("/");
});
byId("new-chat").addEventListener("click", () => newDialog.open());
byId("manage").addEventListener("click", () => detailsDialog.open());

// ---- go ---------------------------------------------------------------------

resume();
