// Agent console: plain JS, no build step. All data is written with textContent.
"use strict";

(function () {
  const TOKEN_KEY = "agent-desk-token";
  const AGENT_KEY = "agent-desk-agent";
  const QUEUE_EVERY_MS = 2000;
  const TRANSCRIPT_EVERY_MS = 1000;
  const REASONS = {
    customer_request: "asked for a person",
    complaint: "complaint",
    fraud: "possible fraud",
    dispute: "dispute",
    repeated_fallback: "bot did not understand",
    form_validation_failed: "form kept failing",
    backend_unavailable: "backend unavailable",
  };
  const AUTHORS = { customer: "Customer", bot: "Assistant", agent: "Agent", system: "Desk" };

  const $ = (id) => document.getElementById(id);
  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    agent: JSON.parse(sessionStorage.getItem(AGENT_KEY) || "null"),
    ticketId: null,
    ticket: null,
    lastSeq: 0,
    timers: [],
    busy: { queue: false, transcript: false },
  };

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (state.token) headers.Authorization = "Bearer " + state.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_error) {
      throw new ApiError(0, "The desk cannot be reached; check your connection.");
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_error) {
      data = null;
    }
    if (!response.ok) {
      const detail = data && typeof data.detail === "string" ? data.detail : "The request failed.";
      if (response.status === 401 && state.token) logout(detail);
      throw new ApiError(response.status, detail);
    }
    return data;
  }

  function showError(message) {
    const box = $("error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    return node;
  }

  function time(iso) {
    const date = new Date(iso);
    return isNaN(date) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function display(value) {
    if (value === null || value === undefined) return "—";
    if (Array.isArray(value)) return value.length ? value.map(display).join(", ") : "—";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  // Login -------------------------------------------------------------------------

  function showLogin(message) {
    stopTimers();
    $("app-view").hidden = true;
    $("login-view").hidden = false;
    const error = $("login-error");
    error.textContent = message || "";
    error.hidden = !message;
    $("login-username").focus();
  }

  function logout(message) {
    state.token = null;
    state.agent = null;
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(AGENT_KEY);
    showLogin(message);
  }

  async function login(event) {
    event.preventDefault();
    $("login-submit").disabled = true;
    try {
      const result = await api("POST", "/v1/agents/login", {
        username: $("login-username").value.trim(),
        password: $("login-password").value,
      });
      state.token = result.token;
      state.agent = result.agent;
      sessionStorage.setItem(TOKEN_KEY, result.token);
      sessionStorage.setItem(AGENT_KEY, JSON.stringify(result.agent));
      $("login-password").value = "";
      startApp();
    } catch (error) {
      const errorBox = $("login-error");
      errorBox.textContent = error.message;
      errorBox.hidden = false;
    } finally {
      $("login-submit").disabled = false;
    }
  }

  // Queue -------------------------------------------------------------------------

  function renderQueue(tickets) {
    const list = $("queue");
    clear(list);
    $("queue-empty").hidden = tickets.some((ticket) => ticket.status === "waiting");
    for (const ticket of tickets) {
      const item = el("li", null, {
        "data-testid": "queue-item",
        "data-ticket-id": ticket.ticket_id,
        "data-status": ticket.status,
        tabindex: "0",
        role: "button",
      });
      if (ticket.ticket_id === state.ticketId) item.setAttribute("aria-current", "true");
      const head = el("div", null, { class: "line" });
      head.appendChild(el("strong", ticket.ticket_id));
      head.appendChild(
        ticket.status === "waiting"
          ? el("span", "#" + ticket.queue_position + " waiting", { "data-testid": "queue-position" })
          : el("span", "claimed by " + ticket.claimed_by, { "data-testid": "queue-owner" })
      );
      item.appendChild(head);
      const reason = REASONS[ticket.reason] || ticket.reason;
      const who = ticket.customer_id ? "customer " + ticket.customer_id : "unverified visitor";
      item.appendChild(el("div", reason + " · " + who + " · " + time(ticket.created_at)));
      const intents = (ticket.summary && ticket.summary.intents) || [];
      if (intents.length) item.appendChild(el("div", "Intents: " + intents.join(", "), { class: "last" }));
      if (ticket.last_message) item.appendChild(el("div", "“" + ticket.last_message + "”", { class: "last" }));
      const open = () => openTicket(ticket.ticket_id);
      item.addEventListener("click", open);
      item.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          open();
        }
      });
      list.appendChild(item);
    }
  }

  async function refreshQueue() {
    if (state.busy.queue || !state.token) return;
    state.busy.queue = true;
    try {
      const [tickets, status] = await Promise.all([api("GET", "/v1/queue"), api("GET", "/v1/status")]);
      renderQueue(tickets);
      $("desk-status").textContent = status.desk_open
        ? "Open · " + status.waiting + " waiting"
        : "Closed until " + new Date(status.next_open_at).toLocaleString();
    } catch (error) {
      if (error.status !== 401) showError(error.message);
    } finally {
      state.busy.queue = false;
    }
  }

  // Ticket ------------------------------------------------------------------------

  function renderList(node, items) {
    clear(node);
    if (!items.length) node.appendChild(el("li", "—"));
    for (const item of items) node.appendChild(el("li", item));
  }

  function renderPairs(node, object) {
    clear(node);
    const entries = Object.entries(object || {}).filter(([, value]) => value !== null && value !== undefined);
    if (!entries.length) {
      node.appendChild(el("dt", "—"));
      node.appendChild(el("dd", ""));
    }
    for (const [name, value] of entries) {
      node.appendChild(el("dt", name));
      node.appendChild(el("dd", display(value), { "data-key": name }));
    }
  }

  function renderTicket(ticket) {
    state.ticket = ticket;
    const mine = ticket.status === "claimed" && state.agent && ticket.claimed_by === state.agent.username;
    const waiting = ticket.status === "waiting";
    const ended = ticket.status === "handed_back" || ticket.status === "closed";
    $("ticket-view").hidden = false;
    $("ticket-view").setAttribute("data-ticket-id", ticket.ticket_id);
    $("ticket-view").setAttribute("data-status", ticket.status);
    $("ticket-title").textContent = ticket.ticket_id;
    $("ticket-status").textContent = ticket.status.replace("_", " ");
    const reason = REASONS[ticket.reason] || ticket.reason;
    const who = ticket.customer_id ? "customer " + ticket.customer_id : "unverified visitor";
    $("ticket-meta").textContent =
      reason + " · " + who + " · " + (ticket.channel || "unknown channel") + " · " + ticket.language +
      " · opened " + time(ticket.created_at) + (waiting ? " · queue position " + ticket.queue_position : "");

    const notice = $("ticket-notice");
    if (ticket.status === "claimed" && !mine) {
      notice.textContent = "Claimed by " + ticket.claimed_by + ": you can read this ticket but not act on it.";
      notice.hidden = false;
    } else if (ended) {
      notice.textContent = "This ticket has ended (" + ticket.status.replace("_", " ") + ").";
      notice.hidden = false;
    } else if (waiting) {
      notice.textContent = "Claim the ticket to reply to the customer.";
      notice.hidden = false;
    } else {
      notice.hidden = true;
    }
    $("claim").hidden = !waiting;
    $("claim").disabled = !waiting;
    $("handback").disabled = !mine;
    $("close").disabled = !(mine || waiting);
    $("reply-text").disabled = !mine;
    $("reply-send").disabled = !mine;
    $("reply-form").hidden = !mine;

    const summary = ticket.summary || {};
    renderList($("summary-intents"), summary.intents || []);
    renderPairs($("summary-slots"), summary.slots);
    renderPairs($("summary-facts"), summary.facts);
    for (const item of document.querySelectorAll("#queue li")) {
      if (item.getAttribute("data-ticket-id") === ticket.ticket_id) item.setAttribute("aria-current", "true");
      else item.removeAttribute("aria-current");
    }
  }

  function appendMessages(messages) {
    const list = $("transcript");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    for (const message of messages) {
      if (message.seq <= state.lastSeq) continue;
      state.lastSeq = message.seq;
      const item = el("li", null, {
        "data-testid": "transcript-entry",
        "data-author": message.author,
        "data-seq": String(message.seq),
      });
      const who = message.author === "agent" && message.agent ? message.agent : AUTHORS[message.author];
      item.appendChild(el("span", who + " · " + time(message.created_at), { class: "who" }));
      item.appendChild(el("span", message.text, { class: "text", "data-testid": "transcript-text" }));
      list.appendChild(item);
    }
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  async function refreshTranscript() {
    if (state.busy.transcript || !state.ticketId || !state.token) return;
    state.busy.transcript = true;
    const ticketId = state.ticketId;
    try {
      const path = "/v1/tickets/" + encodeURIComponent(ticketId) + "/messages?after=" + state.lastSeq;
      const messages = await api("GET", path);
      if (ticketId === state.ticketId) appendMessages(messages);
    } catch (error) {
      if (error.status !== 401) showError(error.message);
    } finally {
      state.busy.transcript = false;
    }
  }

  async function refreshTicket() {
    if (!state.ticketId || !state.token) return;
    const ticketId = state.ticketId;
    try {
      const ticket = await api("GET", "/v1/tickets/" + encodeURIComponent(ticketId));
      if (ticketId === state.ticketId) renderTicket(ticket);
    } catch (error) {
      if (error.status !== 401) showError(error.message);
    }
  }

  async function openTicket(ticketId) {
    showError("");
    state.ticketId = ticketId;
    state.lastSeq = 0;
    clear($("transcript"));
    if (location.hash !== "#" + ticketId) history.replaceState(null, "", "#" + ticketId);
    await refreshTicket();
    await refreshTranscript();
  }

  async function act(action) {
    if (!state.ticketId) return;
    showError("");
    const button = $(action);
    button.disabled = true;
    try {
      const ticket = await api("POST", "/v1/tickets/" + encodeURIComponent(state.ticketId) + "/" + action);
      renderTicket(ticket);
      await refreshTranscript();
      await refreshQueue();
    } catch (error) {
      showError(error.message);
      await refreshTicket();
    }
  }

  async function sendReply(event) {
    event.preventDefault();
    const text = $("reply-text").value;
    if (!text.trim() || !state.ticketId) return;
    showError("");
    $("reply-send").disabled = true;
    try {
      const path = "/v1/tickets/" + encodeURIComponent(state.ticketId) + "/messages";
      const message = await api("POST", path, { text });
      $("reply-text").value = "";
      await refreshTranscript();
      if (message.seq > state.lastSeq) appendMessages([message]);
    } catch (error) {
      showError(error.message);
    } finally {
      if (state.ticket) renderTicket(state.ticket);
    }
  }

  // Start -------------------------------------------------------------------------

  function stopTimers() {
    for (const timer of state.timers) clearInterval(timer);
    state.timers = [];
  }

  function startApp() {
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("agent-name").textContent = state.agent ? state.agent.display_name : "";
    stopTimers();
    refreshQueue();
    state.timers.push(setInterval(refreshQueue, QUEUE_EVERY_MS));
    state.timers.push(setInterval(refreshTranscript, TRANSCRIPT_EVERY_MS));
    state.timers.push(setInterval(refreshTicket, QUEUE_EVERY_MS));
    const fromHash = decodeURIComponent(location.hash.replace(/^#/, ""));
    if (/^T-[0-9A-F]{8}$/.test(fromHash)) openTicket(fromHash);
  }

  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", () => logout(""));
  $("claim").addEventListener("click", () => act("claim"));
  $("handback").addEventListener("click", () => act("handback"));
  $("close").addEventListener("click", () => act("close"));
  $("reply-form").addEventListener("submit", sendReply);
  $("reply-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) sendReply(event);
  });

  if (state.token && state.agent) startApp();
  else showLogin("");
})();
