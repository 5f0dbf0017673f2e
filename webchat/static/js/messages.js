// Bot messages in Rasa's socket.io format, reduced to what the page shows.

import { safeHref } from "./text.js";

/**
 * Normalises one `bot_uttered` payload.
 *
 * Rasa sends `{text, quick_replies: [{title, payload}]}` for buttons, some
 * channels `{text, buttons: [...]}`, `{attachment: {type: "image", payload: {src}}}`
 * for images, and custom JSON (here `{custom: {handoff: {state, agent_name}}}`,
 * possibly unwrapped or under `data`) for the handoff.
 *
 * @param {object} raw The payload.
 * @returns {{text: string, buttons: Array<{title: string, payload: string}>,
 *   image: string|null, link: {href: string, title: string}|null,
 *   handoff: {state: string, agentName: string}|null}}
 */
export function normalizeBotMessage(raw) {
  const message = raw && typeof raw === "object" ? raw : { text: String(raw ?? "") };
  const choices = [].concat(message.quick_replies || [], message.buttons || []);
  return {
    text: typeof message.text === "string" ? message.text : "",
    buttons: choices
      .filter((choice) => choice && choice.title != null)
      .map((choice) => ({
        title: String(choice.title),
        payload: String(choice.payload ?? choice.title),
      })),
    image: imageOf(message.attachment),
    link: linkOf(message.attachment),
    handoff: handoffOf(message),
  };
}

function imageOf(attachment) {
  if (!attachment || attachment.type !== "image" || !attachment.payload) {
    return null;
  }
  return safeHref(attachment.payload.src);
}

function linkOf(attachment) {
  if (!attachment || attachment.type === "image" || !attachment.payload) {
    return null;
  }
  const href = safeHref(attachment.payload.src || attachment.payload.url);
  if (!href) {
    return null;
  }
  return { href, title: String(attachment.payload.name || attachment.payload.title || href) };
}

function handoffOf(message) {
  const candidates = [
    message.custom && message.custom.handoff,
    message.handoff,
    message.data && message.data.custom && message.data.custom.handoff,
    message.data && message.data.handoff,
  ];
  const handoff = candidates.find((candidate) => candidate && typeof candidate.state === "string");
  if (!handoff) {
    return null;
  }
  return { state: handoff.state, agentName: String(handoff.agent_name || "an agent") };
}

/**
 * The status banner text for a handoff event.
 *
 * @param {{state: string, agentName: string}} handoff
 * @returns {string|null} null for states the page does not announce.
 */
export function handoffBanner(handoff) {
  if (handoff.state === "agent_joined") {
    return `You are now talking to ${handoff.agentName} from support`;
  }
  if (handoff.state === "queued") {
    return "Waiting for a person from support. Your messages reach them.";
  }
  if (handoff.state === "bot_resumed" || handoff.state === "closed") {
    return "You are back with the AI assistant.";
  }
  return null;
}

/**
 * Whether a person (or the queue for one) has the conversation: the assistant stays
 * silent then, so the page shows no typing indicator after the customer's messages.
 *
 * @param {{state: string}} handoff
 * @returns {boolean}
 */
export function isWithPerson(handoff) {
  return handoff.state === "queued" || handoff.state === "agent_joined";
}
