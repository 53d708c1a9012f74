// The user's tokens: the access token lives in memory only; the refresh token
// in sessionStorage, so a reload keeps the session while each window (and so
// each person sharing a computer) has its own.  The access token is refreshed,
// with rotation, a minute before it expires.

import { paths } from "./api.js";
import { NetworkError, SessionEnded } from "./errors.js";

const REFRESH_KEY = "webchat.refresh";
const EARLY_MS = 60_000;       // refresh this long before the access token expires
const RETRY_MS = 10_000;       // after a refresh that could not reach the server

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

async function postJson(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (error) {
    throw new NetworkError(error);
  }
  const data = await response.json().catch(() => null);
  return { status: response.status, data };
}

export class Session {
  constructor(storage = window.sessionStorage) {
    this.storage = storage;
    this.access = null;
    this.accessExpires = 0;
    this.refreshing = null;
    this.timer = null;
    /** Called once when the session ends on its own (refresh refused). */
    this.onEnded = () => {};
  }

  get refreshToken() {
    return this.storage.getItem(REFRESH_KEY);
  }

  /** True if a refresh token is stored (a session may be resumed). */
  get resumable() {
    return Boolean(this.refreshToken);
  }

  keep({ access, refresh }) {
    this.access = access;
    this.accessExpires = (jwtClaims(access).exp || 0) * 1000;
    if (refresh) this.storage.setItem(REFRESH_KEY, refresh);
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
   * Sign in; resolves on success.  Rejects with {status, detail} for wrong
   * credentials and NetworkError when the server cannot be reached.
   */
  async signIn(username, password) {
    const { status, data } = await postJson(paths.token, { username, password });
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

  /**
   * Trade the refresh token for a new pair (one request at a time).  Rejects
   * with SessionEnded when the server refuses it (expired, revoked) and with
   * NetworkError when it cannot be reached (the session stays).
   */
  refresh() {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => { this.refreshing = null; });
    }
    return this.refreshing;
  }

  async doRefresh() {
    const refresh = this.refreshToken;
    if (!refresh) throw this.end("Please sign in.");
    const { status, data } = await postJson(paths.tokenRefresh, { refresh });
    if (status === 200 && data && data.access) {
      this.keep(data);
      return;
    }
    if (status === 401 || status === 400) {
      throw this.end("Your session has expired or was signed out. Please sign in again.");
    }
    throw new NetworkError(new Error(`refresh answered ${status}`));
  }

  /** Forget the tokens and tell the page; returns the error to throw. */
  end(message) {
    const wasActive = Boolean(this.access || this.refreshToken);
    this.forget();
    const error = new SessionEnded(message);
    if (wasActive) this.onEnded(error);
    return error;
  }

  forget() {
    clearTimeout(this.timer);
    this.access = null;
    this.accessExpires = 0;
    this.storage.removeItem(REFRESH_KEY);
  }

  /** Revoke the refresh token on the server (best effort), then forget both. */
  async signOut() {
    const refresh = this.refreshToken;
    this.forget();
    if (refresh) {
      try {
        await postJson(paths.tokenLogout, { refresh });
      } catch {
        // Offline: the token still expires on its own (7 days at most).
      }
    }
  }
}
