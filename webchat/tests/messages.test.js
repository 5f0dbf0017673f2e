import assert from "node:assert/strict";
import { test } from "node:test";

import { handoffBanner, isWithPerson, normalizeBotMessage } from "../static/js/messages.js";

test("Rasa's quick replies become buttons with payloads", () => {
  const message = normalizeBotMessage({
    text: "Which order?",
    quick_replies: [
      { content_type: "text", title: "KL-1 Nordic Threads", payload: '/inform{"order_id":"KL-1"}' },
    ],
  });
  assert.equal(message.text, "Which order?");
  assert.deepEqual(message.buttons, [{ title: "KL-1 Nordic Threads", payload: '/inform{"order_id":"KL-1"}' }]);
  assert.equal(message.handoff, null);
});

test("buttons without a payload send their title", () => {
  const message = normalizeBotMessage({ text: "Pick", buttons: [{ title: "Full amount" }] });
  assert.deepEqual(message.buttons, [{ title: "Full amount", payload: "Full amount" }]);
});

test("an image attachment keeps only an http(s) source", () => {
  assert.equal(
    normalizeBotMessage({ attachment: { type: "image", payload: { src: "https://x.example/a.png" } } }).image,
    "https://x.example/a.png",
  );
  assert.equal(
    normalizeBotMessage({ attachment: { type: "image", payload: { src: "javascript:alert(1)" } } }).image,
    null,
  );
});

test("handoff custom JSON is found wrapped, unwrapped or under data", () => {
  const joined = { handoff: { state: "agent_joined", agent_name: "Sam" } };
  for (const raw of [{ custom: joined }, joined, { data: { custom: joined } }, { data: joined }]) {
    assert.deepEqual(normalizeBotMessage(raw).handoff, { state: "agent_joined", agentName: "Sam" });
  }
});

test("handoff banners", () => {
  assert.equal(
    handoffBanner({ state: "agent_joined", agentName: "Sam" }),
    "You are now talking to Sam from support",
  );
  assert.equal(handoffBanner({ state: "bot_resumed", agentName: "Sam" }), "You are back with the AI assistant.");
  assert.equal(
    handoffBanner({ state: "queued", agentName: "Sam" }),
    "Waiting for a person from support. Your messages reach them.",
  );
  assert.equal(handoffBanner({ state: "closed", agentName: "Sam" }), "You are back with the AI assistant.");
  assert.equal(handoffBanner({ state: "mystery", agentName: "Sam" }), null);
});

test("the assistant is silent while queued or with an agent, not after", () => {
  assert.equal(isWithPerson({ state: "queued" }), true);
  assert.equal(isWithPerson({ state: "agent_joined" }), true);
  assert.equal(isWithPerson({ state: "bot_resumed" }), false);
  assert.equal(isWithPerson({ state: "closed" }), false);
});

test("a bare string is treated as text", () => {
  assert.equal(normalizeBotMessage("hello").text, "hello");
});
