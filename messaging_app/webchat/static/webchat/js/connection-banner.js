// The banner over the page while the live connection is not up:
// "Connecting…", or "Connection lost ... reconnecting in N s" with a button
// to try at once.

import { byId, say } from "./dom.js";

export class ConnectionBanner {
  /** onReconnect(): the person asked to reconnect now. */
  constructor({ onReconnect }) {
    this.banner = byId("connection");
    this.text = byId("connection-text");
    this.button = byId("reconnect");
    this.button.addEventListener("click", () => onReconnect());
    this.wasLive = false;
  }

  /** A new session: the next connection is the first. */
  reset() {
    this.wasLive = false;
  }

  hide() {
    this.banner.hidden = true;
  }

  /** The socket's state: "connecting", "live", "offline" (detail.retryIn ms) or "stopped". */
  show(state, detail) {
    const { banner, text, button } = this;
    banner.dataset.state = state;
    if (state === "live" || state === "stopped") {
      if (state === "live") this.wasLive = true;
      banner.hidden = true;
      say(text, "");
      button.hidden = true;
      return;
    }
    banner.hidden = false;
    if (state === "connecting") {
      say(text, this.wasLive ? "Reconnecting…" : "Connecting…");
      button.hidden = true;
    } else {
      const seconds = Math.max(1, Math.round(detail.retryIn / 1000));
      say(text, `Connection lost. Messages you send wait here; reconnecting in ${seconds} s.`);
      button.hidden = false;
    }
  }
}
