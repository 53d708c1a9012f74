// The sign-in and sign-up forms.

import { paths } from "./api.js";
import { byId, say } from "./dom.js";
import { ApiError, describeError } from "./errors.js";

const SIGNUP_FIELDS = ["username", "email", "first_name", "last_name", "password"];

export class AuthForms {
  /** onSignedIn(): the session holds tokens now. */
  constructor({ api, session, onSignedIn }) {
    Object.assign(this, { api, session, onSignedIn });
    this.section = byId("auth");
    this.message = byId("auth-message");
    this.signinForm = byId("signin-form");
    this.signupForm = byId("signup-form");
    this.signinForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.signIn();
    });
    this.signupForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.signUp();
    });
    byId("show-signup").addEventListener("click", () => this.switchTo("signup"));
    byId("show-signin").addEventListener("click", () => this.switchTo("signin"));
  }

  /** Show the sign-in form, with a message (why the person is here) if any. */
  show(message = "") {
    say(this.message, message);
    this.section.hidden = false;
    this.switchTo("signin");
  }

  hide() {
    this.section.hidden = true;
    say(this.message, "");
    this.signinForm.reset();
    this.signupForm.reset();
  }

  switchTo(which) {
    const signup = which === "signup";
    this.signupForm.hidden = !signup;
    this.signinForm.hidden = signup;
    byId(signup ? "signup-username" : "signin-username").focus();
  }

  busy(form, on) {
    for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = on;
  }

  async signIn() {
    const error = byId("signin-error");
    const username = byId("signin-username").value.trim();
    const password = byId("signin-password").value;
    if (!username || !password) {
      say(error, "Enter your username and password.");
      return;
    }
    say(error, "");
    this.busy(this.signinForm, true);
    try {
      await this.session.signIn(username, password);
    } catch (problem) {
      this.busy(this.signinForm, false);
      say(error, problem.status === 401 ? "Wrong username or password." : describeError(problem));
      byId("signin-password").focus();
      return;
    }
    this.busy(this.signinForm, false);
    await this.onSignedIn();
  }

  async signUp() {
    const values = Object.fromEntries(SIGNUP_FIELDS.map((name) => [name, byId(`signup-${name}`).value.trim()]));
    values.password = byId("signup-password").value;
    const formError = byId("signup-error");
    for (const name of SIGNUP_FIELDS) {
      say(byId(`signup-${name}-error`), "");
      byId(`signup-${name}`).removeAttribute("aria-invalid");
    }
    say(formError, "");
    this.busy(this.signupForm, true);
    try {
      await this.api.request(paths.users, { method: "POST", body: values, auth: false });
      await this.session.signIn(values.username, values.password);
    } catch (problem) {
      this.busy(this.signupForm, false);
      if (problem instanceof ApiError && Object.keys(problem.errors).length) {
        let first = null;
        for (const [name, messages] of Object.entries(problem.errors)) {
          const slot = SIGNUP_FIELDS.includes(name) ? byId(`signup-${name}-error`) : formError;
          say(slot, [].concat(messages).join(" "));
          if (SIGNUP_FIELDS.includes(name)) {
            byId(`signup-${name}`).setAttribute("aria-invalid", "true");
            first = first || byId(`signup-${name}`);
          }
        }
        say(formError, "Please correct the fields marked above.");
        (first || byId("signup-username")).focus();
      } else {
        say(formError, describeError(problem));
      }
      return;
    }
    this.busy(this.signupForm, false);
    await this.onSignedIn();
  }
}
