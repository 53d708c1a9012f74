// JSON over fetch with the user's access token; one retry after a refresh
// when the server says the token is no longer valid.  Cookies are never sent
// here: the API sees the bearer token and nothing else (only session.js sends
// the session cookie, to the two endpoints it is scoped to).  `paths` is the one place
// that knows the API's URLs.

import { ApiError, NetworkError } from "./errors.js";

/** Every API address the page uses. */
export const paths = {
  session: "/api/session/",
  sessionRefresh: "/api/session/cookie/refresh/",
  sessionSignOut: "/api/session/cookie/signout/",
  wsTicket: "/api/ws-ticket/",
  // The socket's address from a ticket's answer, asking for presence.changed events.
  liveEvents: (ticketUrl) => `${ticketUrl}${ticketUrl.includes("?") ? "&" : "?"}presence=1`,
  users: "/api/users/",
  me: "/api/users/me/",
  searchUsers: (query) => `/api/users/?search=${encodeURIComponent(query)}`,
  conversations: "/api/conversations/",
  conversation: (id) => `/api/conversations/${id}/`,
  messages: (id) => `/api/conversations/${id}/messages/`,
  latestMessages: (id, pageSize) => `/api/conversations/${id}/messages/?cursor=latest&page_size=${pageSize}`,
  messagesAround: (id, seq, pageSize) => `/api/conversations/${id}/messages/?around=${seq}&page_size=${pageSize}`,
  searchMessages: (query) => `/api/messages/search/?q=${encodeURIComponent(query)}&page_size=30`,
  attachments: (id) => `/api/conversations/${id}/attachments/`,
  conversationAttachments: (id, from, to) => `/api/conversations/${id}/attachments/?from_seq=${from}&to_seq=${to}`,
  reaction: (messageId, name) => `/api/messages/${messageId}/reactions/${name}/`,
  messageReactions: (messageId) => `/api/messages/${messageId}/reactions/`,
  conversationReactions: (id, from, to) => `/api/conversations/${id}/reactions/?from_seq=${from}&to_seq=${to}`,
  message: (id, messageId) => `/api/conversations/${id}/messages/${messageId}/`,
  read: (id) => `/api/conversations/${id}/read/`,
  reads: (id) => `/api/conversations/${id}/reads/`,
  participants: (id) => `/api/conversations/${id}/participants/`,
  participant: (id, userId) => `/api/conversations/${id}/participants/${userId}/`,
  owner: (id) => `/api/conversations/${id}/owner/`,
  leave: (id) => `/api/conversations/${id}/leave/`,
};

/** A same-origin path from an API link (pagination links are absolute URLs). */
export function pathOf(link) {
  const url = new URL(link, window.location.origin);
  return url.pathname + url.search;
}

export class Api {
  constructor(session) {
    this.session = session;
  }

  async request(path, { method = "GET", body, headers = {}, auth = true } = {}) {
    for (let attempt = 0; ; attempt += 1) {
      const sent = { Accept: "application/json", ...headers };
      if (body !== undefined) sent["Content-Type"] = "application/json";
      if (auth) sent.Authorization = `Bearer ${await this.session.accessToken()}`;
      let response;
      try {
        response = await fetch(path, {
          method,
          headers: sent,
          body: body === undefined ? undefined : JSON.stringify(body),
          credentials: "omit",
          cache: "no-store",
        });
      } catch (error) {
        throw new NetworkError(error);
      }
      if (response.status === 401 && auth && attempt === 0) {
        await this.session.refresh();  // throws SessionEnded when refused
        continue;
      }
      const data = response.status === 204 ? null : await response.json().catch(() => null);
      if (!response.ok) throw new ApiError(response.status, data);
      return { status: response.status, data };
    }
  }

  /** The bytes at path (an attachment), as a Blob; a refused token is refreshed once. */
  async blob(path) {
    for (let attempt = 0; ; attempt += 1) {
      let response;
      try {
        response = await fetch(path, {
          headers: { Authorization: `Bearer ${await this.session.accessToken()}` },
          credentials: "omit",
        });
      } catch (error) {
        throw new NetworkError(error);
      }
      if (response.status === 401 && attempt === 0) {
        await this.session.refresh();
        continue;
      }
      if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
      return response.blob();
    }
  }

  async get(path) {
    return (await this.request(path)).data;
  }

  async post(path, body = {}, headers = {}) {
    return (await this.request(path, { method: "POST", body, headers })).data;
  }

  async patch(path, body) {
    return (await this.request(path, { method: "PATCH", body })).data;
  }

  async put(path, body) {
    return (await this.request(path, { method: "PUT", body })).data;
  }

  async delete(path) {
    await this.request(path, { method: "DELETE" });
  }
}
