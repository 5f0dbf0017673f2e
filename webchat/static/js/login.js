// Customer login at the payments backend (POST /v1/auth/login).

/** A login that failed, with a sentence to show the customer. */
export class LoginError extends Error {}

/**
 * Logs a customer in.
 *
 * @param {string} backendUrl Backend base URL.
 * @param {string} email E-mail address.
 * @param {string} password Password.
 * @param {typeof fetch} fetchImpl fetch (injected for tests).
 * @returns {Promise<{customerId: string, token: string, expiresAt: string}>}
 * @throws {LoginError} Wrong credentials, unreachable backend or a bad answer.
 */
export async function login(backendUrl, email, password, fetchImpl = fetch) {
  if (!backendUrl) {
    throw new LoginError("Login isn't set up on this page.");
  }
  let response;
  try {
    response = await fetchImpl(`${backendUrl}/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": `login-${randomId()}` },
      body: JSON.stringify({ email, password }),
      credentials: "omit",
    });
  } catch {
    throw new LoginError("We can't reach the login service right now. Please try again in a moment.");
  }
  if (response.status === 401) {
    throw new LoginError("That e-mail address and password don't match. Please try again.");
  }
  if (!response.ok) {
    throw new LoginError("Logging in didn't work right now. Please try again in a moment.");
  }
  const body = await response.json().catch(() => ({}));
  if (!body || typeof body.token !== "string") {
    throw new LoginError("Logging in didn't work right now. Please try again in a moment.");
  }
  return { customerId: String(body.customer_id), token: body.token, expiresAt: String(body.expires_at) };
}

/**
 * A random RFC 4122 version 4 id. crypto.randomUUID exists only in secure
 * contexts; getRandomValues works on plain-http pages too.
 *
 * @returns {string}
 */
export function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
