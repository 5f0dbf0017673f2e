// Where the page finds Rasa and the payments backend, and whether it runs as a demo.

/**
 * Reads the page settings.
 *
 * The served `config.js` (window.WEBCHAT_CONFIG) is authoritative: when it is
 * present, `?rasa=` and `?backend=` are ignored so that nobody can send a link
 * that makes this page post customers' passwords to another server. The query
 * string only configures a copy of the page opened without the Rasa route
 * (e.g. from a file during development).
 *
 * @param {object|undefined} served window.WEBCHAT_CONFIG, if config.js loaded.
 * @param {string} search location.search, e.g. "?demo=1".
 * @param {string} origin location.origin, the fallback Rasa URL.
 * @returns {{rasaUrl: string, backendUrl: string, demo: boolean}}
 */
export function pageSettings(served, search, origin) {
  const query = new URLSearchParams(search);
  const fromQuery = !served;
  const rasaUrl = (served && served.rasaUrl) || (fromQuery && query.get("rasa")) || origin;
  const backendUrl = (served && served.backendUrl) || (fromQuery && query.get("backend")) || "";
  return {
    rasaUrl: trimSlash(rasaUrl),
    backendUrl: trimSlash(backendUrl),
    demo: query.get("demo") === "1",
  };
}

/** Demo customer of the seeded backend (prefilled with ?demo=1). */
export const DEMO_LOGIN = Object.freeze({ email: "ada@example.com", password: "demo" });

function trimSlash(url) {
  return String(url || "").replace(/\/+$/, "");
}
