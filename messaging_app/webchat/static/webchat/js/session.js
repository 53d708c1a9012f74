// The user's tokens.  The refresh token is a cookie the server sets at sign-in:
// HttpOnly (no script here can read it), SameSite=Strict and sent only to
// /api/session/cookie/.  The access token lives in this page's memory only; a
// new tab, a reload or a restarted browser gets one by refreshing, and the
// access token is refreshed, with rotation, a minute before it expires.
// Tabs share the cookie and each refresh rotates it, so refreshes take turns
// across tabs (a Web Lock): none sends a cookie another has just rotated out.

import { paths } from "./api.js";
import { NetworkError, SessionEnded } from "./errors.js";

const EARLY_MS = 60_000;       // refresh this long before the access token expires
const RETRY_MS = 10_000;       // after a refresh that could not reach the server
const LOCK = "webchat.session-refresh";
// The header that proves a request comes from this page (the server refuses
// cookie requests without it: another site cannot send it).
const PAGE_HEADER = { "X-Chat-CSRF": "1" };

export const ENDED = "Your session has expired or was signed out. Please sign in again.";
export const SIGNED_OUT_ELSEWHERE = "You were signed out (in another tab or window). Please sign in again.";

/** The claims of a JWT (not verified: the server does that). */
export function jwtClaims(token) {
  const part = token.split(".")[1] || "";
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
  try {
    return JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")));
  } catch {
    return {};
  }
}

async function post(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { ...PAGE_HEADER, Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (error) {
    throw new NetworkError(error);
  }
  const data = await response.json().catch(() => null);
  return { status: response.status, data };
}

/** Run task holding the tabs' refresh lock (where the browser has Web Locks). */
function oneTabAtATime(task) {
  return navigator.locks ? navigator.locks.request(LOCK, task) : task();
}

export class Session {
  constructor() {
    this.access = null;
    this.accessExpires = 0;
    this.signedIn = false;     // an access token was had and not yet refused
    this.refreshing = null;
    this.timer = null;
    /** Called once when the session ends on its own (refresh refused). */
    this.onEnded = () => {};
  }

  keep({ access }) {
    this.access = access;
    this.accessExpires = (jwtClaims(access).exp || 0) * 1000;
    this.signedIn = true;
    this.schedule();
  }

  schedule(delay = this.accessExpires - Date.now() - EARLY_MS) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.refresh().catch((error) => {
        if (error instanceof NetworkError) this.schedule(RETRY_MS);
      });
    }, Math.max(1000, delay));
  }

  /**
   * Sign in; resolves on success (the server has set the cookie).  Rejects
   * with {status, detail} for wrong credentials and NetworkError when the
   * server cannot be reached.
   */
  async signIn(username, password) {
    const { status, data } = await post(paths.session, { username, password });
    if (status !== 200) {
      const detail = (data && data.detail) || `The server answered ${status}.`;
      throw Object.assign(new Error(detail), { status });
    }
    this.keep(data);
  }

  /** A valid access token, refreshing first when it is about to expire. */
  async accessToken() {
    if (this.access && this.accessExpires - Date.now() > 30_000) return this.access;
    await this.refresh();
    return this.access;
  }

  /** The server closed a socket of this login: check the session now. */
  recheck() {
    this.access = null;
    return this.refresh();
  }

  /**
   * Trade the cookie for a new access token (one request at a time).  Rejects
   * with SessionEnded when the server refuses it (none, expired, revoked,
   * signed out in another tab) and with NetworkError when it cannot be
   * reached (the session stays).
   */
  refresh() {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => { this.refreshing = null; });
    }
    return this.refreshing;
  }

  async doRefresh() {
    const { status, data } = await oneTabAtATime(() => post(paths.sessionRefresh));
    if (status === 200 && data && data.access) {
      this.keep(data);
      return;
    }
    if (status === 401) {
      // No cookie: never signed in here, or signed out in another tab.
      if (data && data.code === "not_signed_in") throw this.end(this.signedIn ? SIGNED_OUT_ELSEWHERE : "");
      throw this.end(ENDED);
    }
    if (status === 400 || status === 403) throw this.end(`${ENDED} (${(data && data.detail) || status})`);
    throw new NetworkError(new Error(`refresh answered ${status}`));
  }

  /** Forget the access token and tell the page; returns the error to throw. */
  end(message) {
    const wasActive = this.signedIn;
    this.forget();
    const error = new SessionEnded(message);
    if (wasActive) this.onEnded(error);
    return error;
  }

  forget() {
    clearTimeout(this.timer);
    this.access = null;
    this.accessExpires = 0;
    this.signedIn = false;
  }

  /**
   * End the session on the server (every tab: the cookie goes, the login's
   * sockets close), then forget the access token.  Resolves to false when
   * the server could not be reached: then the cookie stays.
   */
  async signOut() {
    this.forget();
    try {
      const { status } = await oneTabAtATime(() => post(paths.sessionSignOut));
      return status === 204;
    } catch {
      return false;
    }
  }
}
