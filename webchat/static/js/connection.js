// The socket.io conversation with Rasa's signed socket.io channel.

import { randomId } from "./login.js";

/**
 * One conversation: connects, asks for its session, sends customer messages
 * and reports the bot's. Messages typed before the session is confirmed are
 * queued, and a reconnect (new socket id) asks for the same session again.
 */
export class ChatConnection {
  /**
   * @param {object} options
   * @param {string} options.rasaUrl Rasa base URL.
   * @param {Function} options.io The socket.io client's `io`.
   * @param {(message: object) => void} options.onBotMessage Each `bot_uttered` payload.
   * @param {(state: "connected"|"disconnected"|"failed", detail?: string) => void} options.onState
   * @param {(ok: boolean, detail?: string) => void} options.onAuthResult Answer to `authenticate`.
   */
  constructor({ rasaUrl, io, onBotMessage, onState, onAuthResult }) {
    this.rasaUrl = rasaUrl;
    this.io = io;
    this.onBotMessage = onBotMessage;
    this.onState = onState;
    this.onAuthResult = onAuthResult;
    this.sessionId = randomId();
    this.confirmed = false;
    this.queue = [];
    this.socket = null;
    this.authOnConnect = false;
  }

  /**
   * Opens the connection.
   *
   * @param {string|null} token Identity token from the backend login, or null.
   */
  connect(token) {
    this.socket = this.io(this.rasaUrl, {
      path: "/socket.io",
      auth: token ? { token } : {},
      // WebSocket only: behind a load balancer without sticky sessions (several
      // Rasa replicas, docs/production.md) long-polling requests would land on
      // replicas that do not know the session.
      transports: ["websocket"],
    });
    this.socket.on("connect", () => {
      this.confirmed = false;
      this.socket.emit("session_request", { session_id: this.sessionId });
      this.onState("connected");
      if (this.authOnConnect) {
        this.authOnConnect = false;
        this.onAuthResult(true);
      }
    });
    this.socket.on("session_confirm", () => {
      this.confirmed = true;
      for (const message of this.queue.splice(0)) {
        this._emitMessage(message);
      }
    });
    this.socket.on("bot_uttered", (message) => this.onBotMessage(message));
    this.socket.on("authenticated", () => this.onAuthResult(true));
    this.socket.on("auth_error", (error) => this.onAuthResult(false, describe(error)));
    this.socket.on("disconnect", (reason) => {
      this.confirmed = false;
      this.onState("disconnected", reason);
    });
    this.socket.on("connect_error", (error) => this.onState("failed", describe(error)));
  }

  /**
   * Logs the customer in mid-conversation; `onAuthResult` tells the outcome.
   *
   * @param {string} token Identity token from the backend login.
   */
  authenticate(token) {
    // A reconnect must present the identity too.
    this.socket.auth = { token };
    if (this.socket.connected) {
      this.socket.emit("authenticate", { token });
      return;
    }
    // Not connected (e.g. an expired token was refused): the handshake carries it.
    this.authOnConnect = true;
    if (!this.socket.active) {
      this.socket.connect();
    }
  }

  /**
   * Sends the customer's message (text or a button's payload).
   *
   * @param {string} message
   */
  send(message) {
    if (this.confirmed && this.socket.connected) {
      this._emitMessage(message);
    } else {
      this.queue.push(message);
    }
  }

  _emitMessage(message) {
    this.socket.emit("user_uttered", { message, session_id: this.sessionId });
  }
}

function describe(error) {
  if (!error) {
    return "";
  }
  if (typeof error === "string") {
    return error;
  }
  return String(error.message || error.error || error.reason || "");
}
