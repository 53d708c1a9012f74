// The chat page: signs in, loads the conversation list, opens conversations
// from the address (/c/<id>/), keeps everything live over the WebSocket and
// sends through the outbox.  Only the public API is used.

import { Api, pathOf, paths } from "./api.js";
import { AuthForms } from "./auth-forms.js";
import { ConversationList } from "./conversation-list.js";
import { ConversationView } from "./conversation-view.js";
import { Conversations } from "./conversations.js";
import { DetailsDialog } from "./details-dialog.js";
import { byId, say } from "./dom.js";
import { Drafts } from "./drafts.js";
import { NetworkError, SessionEnded, describeError } from "./errors.js";
import { NewConversationDialog } from "./new-conversation.js";
import { Outbox } from "./outbox.js";
import { Session } from "./session.js";
import { EventSocket } from "./socket.js";

const CONVERSATION_PATH = /^\/c\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;
const BOOT_RETRY_MS = 3000;

const storage = window.sessionStorage;
const session = new Session(storage);
const api = new Api(session);
const conversations = new Conversations();

let me = null;
let outbox = null;
let drafts = null;
let socket = null;
let readyCount = 0;

const boot = byId("boot");
const chat = byId("chat");
const connection = byId("connection");
const connectionText = byId("connection-text");
const reconnectButton = byId("reconnect");

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

// ---- session ----------------------------------------------------------------

session.onEnded = (error) => stop(error.message);

async function resume() {
  if (!session.resumable) {
    boot.hidden = true;
    auth.show();
    return;
  }
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
    onSent: (item, message) => onMessage("message.created", message),
  });
  view.use({ outbox, drafts });
  byId("me-name").textContent = me.full_name || me.username;
  auth.hide();
  boot.hidden = true;
  chat.hidden = false;
  conversations.clear();
  await loadConversations();
  readyCount = 0;
  socket = new EventSocket({ api, positions: () => conversations.positions(), onEvent, onStatus });
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
  connection.hidden = true;
  boot.hidden = true;
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  if (window.location.pathname !== "/") window.history.replaceState({}, "", "/");
  auth.show(message);
}

byId("signout").addEventListener("click", async () => {
  if (outbox) outbox.clear();
  if (drafts) drafts.clear();
  await session.signOut();
  stop("You are signed out.");
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

async function fetchConversation(id) {
  try {
    const { messages, ...conversation } = await api.get(paths.conversation(id));
    return conversations.upsert(conversation);
  } catch {
    return null;
  }
}

// ---- routing ----------------------------------------------------------------

/** Show what the address names; focus: move the keyboard focus there too. */
function route({ focus = false } = {}) {
  if (!me) return;
  const match = window.location.pathname.match(CONVERSATION_PATH);
  const id = match ? match[1].toLowerCase() : null;
  document.body.classList.toggle("in-conversation", Boolean(id));
  if (id) {
    view.open(id).then(() => {
      if (focus && view.id === id && view.shown) view.focusComposer();
    });
  } else {
    view.close();
  }
  list.setActive(id);
}

function navigate(path) {
  if (window.location.pathname !== path) window.history.pushState({}, "", path);
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
reconnectButton.addEventListener("click", () => socket && socket.reconnectNow());

// ---- live events ------------------------------------------------------------

function onStatus(state, detail) {
  connection.dataset.state = state;
  if (state === "live" || state === "stopped") {
    connection.hidden = true;
    say(connectionText, "");
    reconnectButton.hidden = true;
    return;
  }
  connection.hidden = false;
  if (state === "connecting") {
    say(connectionText, readyCount ? "Reconnecting…" : "Connecting…");
    reconnectButton.hidden = true;
  } else {
    const seconds = Math.max(1, Math.round(detail.retryIn / 1000));
    say(connectionText, `Connection lost. Messages you send wait here; reconnecting in ${seconds} s.`);
    reconnectButton.hidden = false;
  }
}

function onEvent(event) {
  switch (event.type) {
    case "ready":
      onReady(event);
      break;
    case "message.created":
      conversations.noteDelivered(event.conversation, event.seq);
      onMessage(event.type, event.message);
      break;
    case "message.updated":
    case "message.deleted":
      onMessage(event.type, event.message);
      break;
    case "conversation.updated":
      onMembership(event);
      break;
    case "read":
      if (event.user_id === me.user_id) conversations.applyRead(event.conversation, event.last_read_seq);
      view.applyRead(event);
      break;
    case "typing":
      if (view.id === event.conversation) view.showTyping(event.user_id);
      break;
    default:
      break;  // "error" frames (e.g. typing too often) need no reaction
  }
}

/** After every (re)connect: reconcile the list, then resend what waits. */
function onReady(event) {
  readyCount += 1;
  const positions = event.conversations || {};
  for (const [id, seq] of Object.entries(positions)) {
    if (conversations.get(id)) conversations.noteDelivered(id, seq);
  }
  const live = new Set(Object.keys(positions));
  conversations.batch(() => {
    for (const id of conversations.ids()) {
      if (!live.has(id)) {
        conversations.remove(id);
        if (view.id === id) view.showGone("You are no longer a member of this conversation.");
      }
    }
  });
  const unknown = [...live].filter((id) => !conversations.get(id));
  if (readyCount > 1 || unknown.length) loadConversations();
  // The replay brought every missed message; edits and deletes made
  // meanwhile show when the newest page is read again.
  if (readyCount > 1) view.refreshLatest(onMessage);
  outbox.retryAll();
}

async function onMessage(kind, message) {
  if (!me) return;
  if (kind === "message.created" && message.sender.user_id === me.user_id && !view.has(message.message_id)) {
    outbox.match(message);
  }
  let known = conversations.applyMessage(kind, message, me.user_id);
  if (!known) {
    known = await fetchConversation(message.conversation);
    if (known) conversations.applyMessage(kind, message, me.user_id);
  }
  if (view.id === message.conversation) {
    view.applyMessage(kind, message);
    view.renderPending();
  }
}

async function onMembership(event) {
  const id = event.conversation;
  if (event.deleted || (event.removed || []).includes(me.user_id)) {
    conversations.remove(id);
    if (view.id === id) {
      view.showGone(event.deleted ? "This conversation was deleted." : "You were removed from this conversation.");
    }
    return;
  }
  const fresh = await fetchConversation(id);
  if (!fresh) return;
  if (view.id === id) view.membershipChanged(fresh, event);
}

// ---- go ---------------------------------------------------------------------

resume();
