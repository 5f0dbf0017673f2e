import assert from "node:assert/strict";
import { test } from "node:test";

import { safeHref, textSegments } from "../static/js/text.js";

test("plain text stays one text segment, markup included", () => {
  const text = '<img src=x onerror="alert(1)"> & <b>bold</b>';
  assert.deepEqual(textSegments(text), [{ kind: "text", text }]);
});

test("an https URL becomes a link and sentence punctuation stays text", () => {
  assert.deepEqual(textSegments("Update it at https://pay.example.com/cards/abc?x=1. Thanks"), [
    { kind: "text", text: "Update it at " },
    { kind: "link", text: "https://pay.example.com/cards/abc?x=1", href: "https://pay.example.com/cards/abc?x=1" },
    { kind: "text", text: ". Thanks" },
  ]);
});

test("several links in one message", () => {
  const kinds = textSegments("a http://a.example b https://b.example/x c").map((s) => s.kind);
  assert.deepEqual(kinds, ["text", "link", "text", "link", "text"]);
});

test("quotes end a URL so they cannot smuggle attributes", () => {
  const [, link] = textSegments('see https://a.example/"onmouseover=alert(1)');
  assert.equal(link.href, "https://a.example/");
});

test("only http and https are linkable", () => {
  assert.equal(safeHref("javascript:alert(1)"), null);
  assert.equal(safeHref("data:text/html,hi"), null);
  assert.equal(safeHref("not a url"), null);
  assert.equal(safeHref("https://example.com"), "https://example.com/");
  assert.deepEqual(textSegments("javascript:alert(1)"), [{ kind: "text", text: "javascript:alert(1)" }]);
});

test("empty and missing text give no segments", () => {
  assert.deepEqual(textSegments(""), []);
  assert.deepEqual(textSegments(undefined), []);
});
