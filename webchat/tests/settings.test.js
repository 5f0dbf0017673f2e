import assert from "node:assert/strict";
import { test } from "node:test";

import { pageSettings } from "../static/js/settings.js";

const ORIGIN = "http://127.0.0.1:5005";

test("the served config wins over the query string", () => {
  const settings = pageSettings(
    { rasaUrl: "http://rasa.test/", backendUrl: "http://backend.test" },
    "?rasa=http://evil.test&backend=http://evil.test&demo=1",
    ORIGIN,
  );
  assert.deepEqual(settings, { rasaUrl: "http://rasa.test", backendUrl: "http://backend.test", demo: true });
});

test("without a served config the query string configures the page", () => {
  const settings = pageSettings(undefined, "?rasa=http://localhost:5005&backend=http://localhost:8080", ORIGIN);
  assert.deepEqual(settings, {
    rasaUrl: "http://localhost:5005",
    backendUrl: "http://localhost:8080",
    demo: false,
  });
});

test("Rasa defaults to the page's origin", () => {
  assert.equal(pageSettings(undefined, "", ORIGIN).rasaUrl, ORIGIN);
  assert.equal(pageSettings({ backendUrl: "http://b.test" }, "", ORIGIN).rasaUrl, ORIGIN);
});
