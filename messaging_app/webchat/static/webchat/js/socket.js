// The live connection: /ws/events/ opened with a single-use ticket, resumed
// after a drop with the positions the page has seen (`since`), so the server
// replays exactly what was missed.  Reconnects with exponential backoff and
// jitter; a ping every 20 s detects a connection that died silently, and a
// handshake that has not reached `ready` within 10 s is given up and retried
// (the server closes its own with 1013 after a few seconds).

import { paths } from "./api.js";
import { NetworkError, SessionEnded } from "./errors.js";

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 20_000;
const PING_EVERY_MS = 20_000;
const SILENCE_LIMIT_MS = 45_000;
const REVOKED = 4401;  // the server closed the socket for its login (reason: why)
const HANDSHAKE_LIMIT_MS = 10_000;

export class EventSocket {
  /**
   * api: an Api; positions(): {conversation id: last seq seen};
   * onEvent(event): every server event; onStatus(state, detail): "connecting",
   * "live", "offline" (detail.retryIn in ms) or "stopped"; onRevoked(reason):
   * the server closed the socket with 4401 (the reconnect is scheduled anyway).
   */
  constructor({ api, positions, onEvent, onStatus, onRevoked = () => {} }) {
    this.api = api;
    this.onRevoked = onRevoked;
    this.positions = positions;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.ws = null;
    this.failures = 0;
    this.timer = null;
    this.pinger = null;
    this.handshakeTimer = null;
    this.lastHeard = 0;
    this.running = false;
    this.onOnline = () => this.reconnectNow();
  }

  start() {
    if (this.running) return;
    this.running = true;
    window.addEventListener("online", this.onOnline);
    this.connect();
  }

  stop() {
    this.running = false;
    window.removeEventListener("online", this.onOnline);
    clearTimeout(this.timer);
    clearTimeout(this.handshakeTimer);
    clearInterval(this.pinger);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close();
      this.ws = null;
    }
    this.onStatus("stopped", {});
  }

  /** Send a JSON frame if the socket is open; returns whether it went. */
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  reconnectNow() {
    if (!this.running) return;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) return;
    clearTimeout(this.timer);
    this.failures = 0;
    this.connect();
  }

  async connect() {
    clearTimeout(this.timer);
    this.onStatus("connecting", {});
    let ticket;
    try {
      ticket = await this.api.post(paths.wsTicket, { since: this.positions() });
    } catch (error) {
      if (error instanceof SessionEnded || !this.running) return;
      this.retryLater(error instanceof NetworkError ? "offline" : error.message);
      return;
    }
    if (!this.running) return;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${window.location.host}${paths.liveEvents(ticket.url)}`);
    this.ws = ws;
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = setTimeout(() => {
      if (this.ws === ws) ws.close();  // onclose retries with the backoff
    }, HANDSHAKE_LIMIT_MS);
    ws.onmessage = (message) => {
      this.lastHeard = Date.now();
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event.type === "ready") {
        clearTimeout(this.handshakeTimer);
        this.failures = 0;
        this.onStatus("live", {});
      }
      if (event.type !== "pong") this.onEvent(event);
    };
    ws.onopen = () => {
      this.lastHeard = Date.now();
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.heartbeat(), PING_EVERY_MS);
    };
    ws.onclose = (event) => {
      if (this.ws === ws) clearTimeout(this.handshakeTimer);
      clearInterval(this.pinger);
      if (this.ws === ws) this.ws = null;
      if (event.code === REVOKED) this.onRevoked(event.reason);
      if (this.running) this.retryLater("offline");
    };
  }

  heartbeat() {
    if (!this.ws) return;
    if (Date.now() - this.lastHeard > SILENCE_LIMIT_MS) {
      this.ws.close();  // onclose reconnects
      return;
    }
    this.send({ type: "ping" });
  }

  retryLater(reason) {
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.failures);
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    this.failures += 1;
    this.onStatus("offline", { retryIn: delay, reason });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
