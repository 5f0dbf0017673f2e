// Message text as plain-text and link pieces: the page never parses text as HTML.

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
// Punctuation that ends a sentence rather than the link ("see https://x.com/a.").
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;

/**
 * Splits text into text and link segments.
 *
 * @param {string} text Message text as received.
 * @returns {Array<{kind: "text", text: string} | {kind: "link", text: string, href: string}>}
 */
export function textSegments(text) {
  const source = String(text ?? "");
  const segments = [];
  let last = 0;
  for (const match of source.matchAll(URL_PATTERN)) {
    let url = match[0];
    const trailing = url.match(TRAILING_PUNCTUATION);
    if (trailing) {
      url = url.slice(0, -trailing[0].length);
    }
    const href = safeHref(url);
    if (!href) {
      continue;
    }
    if (match.index > last) {
      segments.push({ kind: "text", text: source.slice(last, match.index) });
    }
    segments.push({ kind: "link", text: url, href });
    last = match.index + url.length;
  }
  if (last < source.length) {
    segments.push({ kind: "text", text: source.slice(last) });
  }
  return segments;
}

/**
 * An http(s) URL normalised by the URL parser, or null for anything else
 * (javascript:, data:, malformed).
 *
 * @param {string} url Candidate URL.
 * @returns {string|null}
 */
export function safeHref(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}
