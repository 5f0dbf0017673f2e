// Insights dashboard: plain JS, charts drawn as inline SVG, no build step.
// All data is written with textContent / setAttribute.
"use strict";

(function () {
  const TOKEN_KEY = "agent-desk-token";
  const AGENT_KEY = "agent-desk-agent";
  const DEFAULT_DAYS = 30;
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = {
    contained: "#1a7f37",
    handed_over: "#bf8700",
    unresolved: "#8c959f",
    containment: "#1a7f37",
    handoff: "#bf8700",
    fallback: "#cf222e",
    bot: "#1f6feb",
    human: "#bf8700",
    solved: "#1a7f37",
    rating: "#8250df",
  };

  const $ = (id) => document.getElementById(id);
  const token = sessionStorage.getItem(TOKEN_KEY);
  const agent = JSON.parse(sessionStorage.getItem(AGENT_KEY) || "null");

  // Formatting ------------------------------------------------------------------

  function percent(value) {
    return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + "\u00a0%";
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    if (seconds < 90) return Math.round(seconds) + " s";
    if (seconds < 5400) return (seconds / 60).toFixed(1) + " min";
    return (seconds / 3600).toFixed(1) + " h";
  }

  function number(value, digits) {
    return value === null || value === undefined ? "—" : Number(value).toFixed(digits);
  }

  function isoDay(date) {
    return date.toISOString().slice(0, 10);
  }

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function showError(message) {
    $("error").textContent = message || "";
    $("error").hidden = !message;
  }

  // Charts ----------------------------------------------------------------------

  const W = 640;
  const H = 220;
  const PAD = { left: 44, right: 10, top: 10, bottom: 28 };

  function frame(days, maxValue, formatTick) {
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img" });
    const plotW = W - PAD.left - PAD.right;
    const plotH = H - PAD.top - PAD.bottom;
    const x = (i) => PAD.left + (days.length ? (i + 0.5) * (plotW / days.length) : 0);
    const y = (v) => PAD.top + plotH - (maxValue ? (v / maxValue) * plotH : 0);
    for (let step = 0; step <= 4; step += 1) {
      const value = (maxValue * step) / 4;
      root.appendChild(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(value), y2: y(value), stroke: "#eaeef2" }));
      root.appendChild(svg("text", { x: PAD.left - 4, y: y(value) + 4, "text-anchor": "end", "font-size": 10, fill: "#57606a" }, formatTick(value)));
    }
    const every = Math.max(1, Math.ceil(days.length / 8));
    days.forEach((day, i) => {
      if (i % every === 0) {
        root.appendChild(svg("text", { x: x(i), y: H - 8, "text-anchor": "middle", "font-size": 10, fill: "#57606a" }, day.slice(5)));
      }
    });
    return { root, x, y, slot: plotW / Math.max(1, days.length) };
  }

  function legend(container, entries) {
    const box = el("div", null, { class: "legend" });
    for (const [label, color] of entries) {
      const item = el("span", label);
      const swatch = el("i");
      swatch.style.background = color;
      item.prepend(swatch);
      box.appendChild(item);
    }
    container.appendChild(box);
  }

  function stackedBars(container, days, series) {
    clear(container);
    const totals = days.map((_, i) => series.reduce((sum, s) => sum + s.values[i], 0));
    // A multiple of the 4 grid steps, so the axis shows whole numbers.
    const max = Math.max(4, Math.ceil(Math.max(...totals) / 4) * 4);
    const chart = frame(days, max, (v) => Math.round(v));
    days.forEach((day, i) => {
      let base = 0;
      for (const s of series) {
        const value = s.values[i];
        if (!value) continue;
        const top = chart.y(base + value);
        chart.root.appendChild(
          svg("rect", {
            x: chart.x(i) - chart.slot * 0.35,
            y: top,
            width: chart.slot * 0.7,
            height: chart.y(base) - top,
            fill: s.color,
            "data-day": day,
            "data-series": s.key,
            "data-value": value,
          }),
        );
        base += value;
      }
    });
    container.appendChild(chart.root);
    legend(container, series.map((s) => [s.label, s.color]));
  }

  function lines(container, days, series, max, formatTick) {
    clear(container);
    const chart = frame(days, max, formatTick);
    for (const s of series) {
      let path = "";
      s.values.forEach((value, i) => {
        if (value === null || value === undefined) return;
        path += (path && s.values[i - 1] !== null && s.values[i - 1] !== undefined ? "L" : "M") + chart.x(i) + " " + chart.y(value) + " ";
        chart.root.appendChild(
          svg("circle", { cx: chart.x(i), cy: chart.y(value), r: 3, fill: s.color, "data-day": days[i], "data-series": s.key, "data-value": value }),
        );
      });
      if (path) chart.root.insertBefore(svg("path", { d: path.trim(), fill: "none", stroke: s.color, "stroke-width": 2 }), chart.root.firstChild.nextSibling);
    }
    container.appendChild(chart.root);
    legend(container, series.map((s) => [s.label, s.color]));
  }

  // Rendering -------------------------------------------------------------------

  function kpi(id, value, detail, raw) {
    const box = $(id);
    box.querySelector(".value").textContent = value;
    box.querySelector(".detail").textContent = detail || "";
    box.setAttribute("data-value", raw === null || raw === undefined ? "" : String(raw));
  }

  function table(id, headers, rows) {
    const node = $(id);
    clear(node);
    const head = el("tr");
    headers.forEach(([label, numeric]) => head.appendChild(el("th", label, numeric ? { class: "num" } : {})));
    node.appendChild(el("thead")).appendChild(head);
    const body = node.appendChild(el("tbody"));
    if (!rows.length) {
      body.appendChild(el("tr")).appendChild(el("td", "Nothing yet.", { colspan: headers.length, class: "muted" }));
      return;
    }
    for (const row of rows) {
      const tr = el("tr", null, { "data-key": row[0] });
      row.forEach((cell, i) => tr.appendChild(el("td", cell, headers[i][1] ? { class: "num" } : {})));
      body.appendChild(tr);
    }
  }

  function countRows(counts) {
    return counts.map((c) => [c.key, c.count, percent(c.rate)]);
  }

  function render(data) {
    const t = data.totals;
    const o = t.outcomes;
    kpi("kpi-conversations", o.conversations, `${o.unresolved} neither resolved nor handed over`, o.conversations);
    kpi("kpi-containment", percent(o.containment_rate), `${o.contained} resolved without a person`, o.containment_rate);
    kpi("kpi-handoff", percent(o.handoff_rate), `${o.handed_over} handed to a person`, o.handoff_rate);
    kpi("kpi-bot-resolution", duration(t.bot_resolution_seconds.median), `mean ${duration(t.bot_resolution_seconds.mean)}, ${t.bot_resolution_seconds.count} conversations`, t.bot_resolution_seconds.median);
    kpi("kpi-human-resolution", duration(t.human_resolution_seconds.median), `mean ${duration(t.human_resolution_seconds.mean)}, ${t.human_resolution_seconds.count} tickets`, t.human_resolution_seconds.median);
    kpi("kpi-fallback", percent(t.fallbacks.fallback_rate), `${t.fallbacks.fallback_messages} of ${t.fallbacks.user_messages} messages`, t.fallbacks.fallback_rate);
    kpi("kpi-repeat", percent(t.repeat_contacts.repeat_rate), `${t.repeat_contacts.repeats} of ${t.repeat_contacts.eligible} conversations`, t.repeat_contacts.repeat_rate);
    const s = t.satisfaction;
    kpi("kpi-solved", percent(s.solved_share), `${s.solved_yes} of ${s.solved_answers} answers`, s.solved_share);
    kpi("kpi-rating", number(s.mean_rating, 2), `${s.ratings} ratings`, s.mean_rating);
    kpi("kpi-csat-response", percent(s.response_rate), `${s.responses} of ${s.asked} asked`, s.response_rate);

    const days = data.days.map((d) => d.day);
    const f = (pick) => data.days.map((d) => pick(d.figures));
    stackedBars($("chart-outcomes"), days, [
      { key: "contained", label: "Resolved by the assistant", color: COLORS.contained, values: f((x) => x.outcomes.contained) },
      { key: "handed_over", label: "Handed over", color: COLORS.handed_over, values: f((x) => x.outcomes.handed_over) },
      { key: "unresolved", label: "Neither", color: COLORS.unresolved, values: f((x) => x.outcomes.unresolved) },
    ]);
    lines($("chart-rates"), days, [
      { key: "containment", label: "Containment", color: COLORS.containment, values: f((x) => x.outcomes.containment_rate) },
      { key: "handoff", label: "Handoff", color: COLORS.handoff, values: f((x) => x.outcomes.handoff_rate) },
      { key: "fallback", label: "Fallback", color: COLORS.fallback, values: f((x) => x.fallbacks.fallback_rate) },
    ], 1, (v) => Math.round(v * 100) + "%");
    const minutes = (v) => (v === null ? null : v / 60);
    const bot = f((x) => minutes(x.bot_resolution_seconds.median));
    const human = f((x) => minutes(x.human_resolution_seconds.median));
    const maxMinutes = Math.max(1, ...bot.concat(human).filter((v) => v !== null));
    lines($("chart-resolution"), days, [
      { key: "bot", label: "Assistant", color: COLORS.bot, values: bot },
      { key: "human", label: "Person", color: COLORS.human, values: human },
    ], maxMinutes, (v) => v.toFixed(1));
    lines($("chart-satisfaction"), days, [
      { key: "solved", label: "Solved (share)", color: COLORS.solved, values: f((x) => x.satisfaction.solved_share) },
      { key: "rating", label: "Mean rating / 5", color: COLORS.rating, values: f((x) => (x.satisfaction.mean_rating === null ? null : x.satisfaction.mean_rating / 5)) },
    ], 1, (v) => Math.round(v * 100) + "%");

    const rateHeaders = [["", false], ["Conversations", true], ["Share of all", true]];
    table("table-by-reason", [["Reason", false]].concat(rateHeaders.slice(1)), countRows(data.handoff_by_reason));
    table("table-by-intent", [["Intent before the handoff", false]].concat(rateHeaders.slice(1)), countRows(data.handoff_by_intent));
    table("table-top-intents", [["Intent", false], ["Messages", true], ["Share", true]], countRows(data.top_intents));
    table("table-top-journeys", [["Journey", false], ["Conversations", true], ["Share", true]], countRows(data.top_journeys));
    table("table-repeat-topics", [["Topic", false], ["Repeat contacts", true], ["Share", true]], countRows(t.repeat_contacts.by_topic));
    table(
      "table-by-channel",
      [["Channel", false], ["Conversations", true], ["Containment", true], ["Handoff", true], ["Fallback", true], ["Solved", true]],
      data.by_channel.map((c) => [
        c.channel,
        c.figures.outcomes.conversations,
        percent(c.figures.outcomes.containment_rate),
        percent(c.figures.outcomes.handoff_rate),
        percent(c.figures.fallbacks.fallback_rate),
        percent(c.figures.satisfaction.solved_share),
      ]),
    );

    const select = $("filter-channel");
    const chosen = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const channel of data.channels) select.appendChild(el("option", channel, { value: channel }));
    select.value = data.channels.includes(chosen) ? chosen : "";
    $("filter-summary").textContent = `${data.filters.date_from || "start"} to ${data.filters.date_to || "today"}, ${data.filters.channel || "all channels"}`;
  }

  // Loading ---------------------------------------------------------------------

  async function load() {
    const view = $("insights-view");
    view.setAttribute("data-state", "loading");
    const params = new URLSearchParams();
    if ($("filter-from").value) params.set("from", $("filter-from").value);
    if ($("filter-to").value) params.set("to", $("filter-to").value);
    if ($("filter-channel").value) params.set("channel", $("filter-channel").value);
    let response;
    try {
      response = await fetch("/v1/insights?" + params.toString(), {
        headers: { Accept: "application/json", Authorization: "Bearer " + token },
      });
    } catch (_error) {
      showError("The desk cannot be reached; check your connection.");
      view.setAttribute("data-state", "error");
      return;
    }
    const data = await response.json().catch(() => null);
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      view.hidden = true;
      $("login-needed").hidden = false;
      return;
    }
    if (!response.ok) {
      showError(data && typeof data.detail === "string" ? data.detail : "The figures could not be loaded.");
      view.setAttribute("data-state", "error");
      return;
    }
    showError("");
    render(data);
    view.setAttribute("data-state", "ready");
  }

  function start() {
    if (!token) {
      $("login-needed").hidden = false;
      return;
    }
    $("agent-name").textContent = agent ? agent.display_name : "";
    const today = new Date();
    const from = new Date(today.getTime() - (DEFAULT_DAYS - 1) * 86400000);
    $("filter-to").value = isoDay(today);
    $("filter-from").value = isoDay(from);
    $("insights-view").hidden = false;
    $("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      load();
    });
    load();
  }

  start();
})();
