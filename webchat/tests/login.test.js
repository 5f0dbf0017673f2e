import assert from "node:assert/strict";
import { test } from "node:test";

import { LoginError, login, randomId } from "../static/js/login.js";

function fakeFetch(status, body, calls = []) {
  return async (url, init) => {
    calls.push({ url, init });
    return { status, ok: status >= 200 && status < 300, json: async () => body };
  };
}

test("login posts the credentials with an idempotency key and returns the token", async () => {
  const calls = [];
  const session = await login(
    "http://backend.test",
    "ada@example.com",
    "demo",
    fakeFetch(200, { customer_id: "C1001", token: "jwt", expires_at: "2030-01-01T00:00:00Z" }, calls),
  );
  assert.deepEqual(session, { customerId: "C1001", token: "jwt", expiresAt: "2030-01-01T00:00:00Z" });
  assert.equal(calls[0].url, "http://backend.test/v1/auth/login");
  assert.equal(calls[0].init.method, "POST");
  assert.deepEqual(JSON.parse(calls[0].init.body), { email: "ada@example.com", password: "demo" });
  assert.match(calls[0].init.headers["Idempotency-Key"], /^login-[0-9a-f-]{36}$/);
});

test("wrong credentials give a customer-readable error", async () => {
  await assert.rejects(
    login("http://backend.test", "ada@example.com", "nope", fakeFetch(401, {})),
    (error) => error instanceof LoginError && /don't match/.test(error.message),
  );
});

test("an unreachable backend gives a retry message", async () => {
  const failing = async () => {
    throw new TypeError("Failed to fetch");
  };
  await assert.rejects(
    login("http://backend.test", "a@b.c", "x", failing),
    (error) => error instanceof LoginError && /can't reach/.test(error.message),
  );
});

test("a server error or a body without token is a failed login", async () => {
  await assert.rejects(login("http://b.test", "a@b.c", "x", fakeFetch(500, {})), LoginError);
  await assert.rejects(login("http://b.test", "a@b.c", "x", fakeFetch(200, { customer_id: "C1" })), LoginError);
});

test("no backend configured", async () => {
  await assert.rejects(login("", "a@b.c", "x", fakeFetch(200, {})), LoginError);
});

test("random ids are version 4 UUIDs and differ", () => {
  const first = randomId();
  assert.match(first, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(first, randomId());
});
