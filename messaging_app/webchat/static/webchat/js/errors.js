// The three ways a request can fail, so callers can tell them apart, and
// the one function that turns any error into a sentence for the page.

/** The server could not be reached (offline, stopped, connection dropped). */
export class NetworkError extends Error {
  constructor(cause) {
    super("Cannot reach the server.");
    this.name = "NetworkError";
    this.cause = cause;
  }
}

/** The session is over (refresh token expired, revoked or signed out elsewhere). */
export class SessionEnded extends Error {
  constructor(message = "Your session has ended. Please sign in again.") {
    super(message);
    this.name = "SessionEnded";
  }
}

/** The API answered with an error: status, its stable code, its sentence, field errors. */
export class ApiError extends Error {
  constructor(status, body) {
    const data = body && typeof body === "object" ? body : {};
    super(data.detail || `The server answered ${status}.`);
    this.name = "ApiError";
    this.status = status;
    this.code = data.code || "error";
    this.errors = data.errors || {};
  }

  /** True when trying again later may succeed (server trouble, rate limit). */
  get transient() {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }

  /** The field errors as one readable sentence (or the detail). */
  get summary() {
    const parts = Object.entries(this.errors).map(([field, messages]) => {
      const text = [].concat(messages).join(" ");
      return field === "non_field_errors" ? text : `${field.replace(/_/g, " ")}: ${text}`;
    });
    return parts.length ? parts.join(" ") : this.message;
  }
}

/** What to tell the person about error: one sentence, whatever failed. */
export function describeError(error) {
  if (error instanceof NetworkError) return "Cannot reach the server; try again in a moment.";
  if (error instanceof ApiError) return error.summary;
  return String(error?.message || error);
}
