// Wires the page: login panel, conversation, handoff banner.

import { ChatConnection } from "./connection.js";
import { LoginError, login } from "./login.js";
import { handoffBanner, isWithPerson, normalizeBotMessage } from "./messages.js";
import { DEMO_LOGIN, pageSettings } from "./settings.js";
import { Transcript } from "./transcript.js";

// Plain text: the channel only lets `/intent` payloads through from offered buttons.
const HANDOFF_REQUEST = "I want to talk to a person";
const TYPING_TIMEOUT_MS = 60000;
const WELCOME =
  "Hi! I can help with your payments, refunds and orders. What can I do for you?";

const settings = pageSettings(window.WEBCHAT_CONFIG, window.location.search, window.location.origin);
const $ = (id) => document.getElementById(id);
const ui = {
  loginPanel: $("login"),
  loginForm: $("login-form"),
  email: $("login-email"),
  password: $("login-password"),
  loginError: $("login-error"),
  loginSubmit: $("login-submit"),
  loginSkip: $("login-skip"),
  openLogin: $("open-login"),
  talkToPerson: $("talk-to-person"),
  handoffStatus: $("handoff-status"),
  connectionStatus: $("connection-status"),
  composer: $("composer"),
  input: $("composer-input"),
  send: $("composer-send"),
  scroller: document.querySelector(".chat__body"),
};

const state = {
  connection: null,
  loggedIn: false,
  agentName: null,
  withPerson: false,
  typingTimer: null,
  pendingEmail: null,
};
const transcript = new Transcript($("transcript"), $("typing"), ui.scroller, (choice) =>
  sendMessage(choice.payload, choice.title),
);

if (settings.demo) {
  ui.email.value = DEMO_LOGIN.email;
  ui.password.value = DEMO_LOGIN.password;
}

ui.loginForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  setLoginError(null);
  const email = ui.email.value.trim();
  if (!email || !ui.password.value) {
    setLoginError("Please enter your e-mail address and password.");
    return;
  }
  ui.loginSubmit.disabled = true;
  try {
    const session = await login(settings.backendUrl, email, ui.password.value);
    ui.password.value = "";
    hideLogin();
    if (state.connection) {
      state.pendingEmail = email;
      state.connection.authenticate(session.token);
    } else {
      state.loggedIn = true;
      startChat(session.token);
      transcript.addNote(`You're logged in as ${email}.`);
    }
    ui.openLogin.hidden = state.loggedIn;
  } catch (error) {
    setLoginError(error instanceof LoginError ? error.message : "Logging in didn't work. Please try again.");
  } finally {
    ui.loginSubmit.disabled = false;
  }
});

ui.loginSkip.addEventListener("click", () => {
  hideLogin();
  if (!state.connection) {
    startChat(null);
  }
});

ui.openLogin.addEventListener("click", () => {
  ui.loginPanel.hidden = false;
  ui.openLogin.hidden = true;
  ui.email.focus();
});

ui.talkToPerson.addEventListener("click", () => {
  if (!state.connection) {
    hideLogin();
    startChat(null);
  }
  sendMessage(HANDOFF_REQUEST, HANDOFF_REQUEST);
});

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.input.value.trim();
  if (!text) {
    return;
  }
  ui.input.value = "";
  sendMessage(text, text);
});

/** Opens the conversation, as a logged-in customer (token) or anonymously. */
function startChat(token) {
  state.connection = new ChatConnection({
    rasaUrl: settings.rasaUrl,
    io: window.io,
    onBotMessage,
    onState: onConnectionState,
    onAuthResult,
  });
  state.connection.connect(token);
  ui.input.disabled = false;
  ui.send.disabled = false;
  transcript.addBot(normalizeBotMessage({ text: WELCOME }), "Assistant");
  ui.input.focus();
}

/** Shows `shown` as the customer's bubble and sends `message` (e.g. a payload). */
function sendMessage(message, shown) {
  transcript.addCustomer(shown);
  // While a person has the conversation the assistant is silent: no "typing…".
  setTyping(!state.withPerson);
  state.connection.send(message);
}

function onBotMessage(raw) {
  const message = normalizeBotMessage(raw);
  if (message.handoff) {
    onHandoff(message.handoff);
  }
  const hasContent = message.text || message.image || message.link || message.buttons.length;
  if (hasContent) {
    setTyping(false);
    transcript.addBot(message, state.agentName || "Assistant");
  }
}

function onHandoff(handoff) {
  state.withPerson = isWithPerson(handoff);
  if (state.withPerson) {
    setTyping(false);
  }
  const banner = handoffBanner(handoff);
  if (!banner) {
    return;
  }
  if (handoff.state !== "queued") {
    state.agentName = handoff.state === "agent_joined" ? handoff.agentName : null;
  }
  ui.handoffStatus.textContent = banner;
  ui.handoffStatus.hidden = false;
  ui.handoffStatus.classList.toggle("banner--agent", handoff.state === "agent_joined");
}

function onConnectionState(connectionState, detail) {
  if (connectionState === "connected") {
    ui.connectionStatus.hidden = true;
    return;
  }
  setTyping(false);
  ui.connectionStatus.textContent =
    connectionState === "failed" && /auth|token|identity/i.test(detail || "")
      ? "Your login isn't valid any more. Please log in again."
      : "The connection to the chat was lost. Reconnecting…";
  ui.connectionStatus.hidden = false;
  if (connectionState === "failed" && /auth|token|identity/i.test(detail || "")) {
    state.loggedIn = false;
    showLogin("Your login has expired. Please log in again.");
  }
}

function onAuthResult(ok, detail) {
  if (ok) {
    state.loggedIn = true;
    transcript.addNote(`You're logged in as ${state.pendingEmail || "yourself"}.`);
    ui.openLogin.hidden = true;
  } else {
    showLogin(`Logging in didn't work${detail ? ` (${detail})` : ""}. Please try again.`);
  }
  state.pendingEmail = null;
}

function setTyping(visible) {
  clearTimeout(state.typingTimer);
  transcript.setTyping(visible);
  if (visible) {
    state.typingTimer = setTimeout(() => transcript.setTyping(false), TYPING_TIMEOUT_MS);
  }
}

function hideLogin() {
  ui.loginPanel.hidden = true;
  ui.openLogin.hidden = state.loggedIn;
}

function showLogin(error) {
  ui.loginPanel.hidden = false;
  ui.openLogin.hidden = true;
  setLoginError(error);
  ui.email.focus();
}

function setLoginError(text) {
  ui.loginError.textContent = text || "";
  ui.loginError.hidden = !text;
}
