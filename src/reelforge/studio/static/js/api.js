// The HTTP API as the Studio uses it: the same routes and Bearer keys as any client.
//
// Credentials live in sessionStorage (per tab, gone when the tab closes): the Studio never keeps a
// key longer than the browser session that typed it.

const STORE = "reelforge.studio.credential";

// How a credential becomes request headers. Only API keys exist today; login-token links and
// external-user tokens (another issue) add an entry here and a sign-in path in signin.js, and
// every call below picks them up unchanged.
const AUTH_SCHEMES = {
  api_key: (value) => ({ Authorization: `Bearer ${value}` }),
};

export function credential() {
  const raw = sessionStorage.getItem(STORE);
  return raw ? JSON.parse(raw) : null;
}

export function setCredential(kind, value) {
  if (!AUTH_SCHEMES[kind]) throw new Error(`unknown credential kind ${kind}`);
  sessionStorage.setItem(STORE, JSON.stringify({ kind, value }));
}

export function signOut() {
  sessionStorage.removeItem(STORE);
}

export function authHeaders() {
  const c = credential();
  return c ? AUTH_SCHEMES[c.kind](c.value) : {};
}

export class ApiError extends Error {
  constructor(status, body) {
    super(errorMessage(status, body));
    this.status = status;
    this.body = body;
  }
}

function errorMessage(status, body) {
  if (body && typeof body === "object") {
    const msg = body.message || body.error || body.detail;
    if (typeof msg === "string") return msg;
    if (msg) return JSON.stringify(msg);
  }
  return `HTTP ${status}`;
}

// One API call: JSON in, JSON out; a non-2xx answer throws ApiError with the server's message.
export async function api(path, { method = "GET", body, query, signal } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const headers = { Accept: "application/json", ...authHeaders() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (!res.ok) throw new ApiError(res.status, data);
  if (method !== "GET") creditsMayHaveChanged();
  return { status: res.status, headers: res.headers, data };
}

// Charges, refunds and settlements move the balance: views that show it listen for this.
export function creditsMayHaveChanged() {
  window.dispatchEvent(new Event("studio:credits"));
}

// Whether the server answers a route at all (404/405: not in this version). Used to switch on
// features that other parts of the platform add (the price table, the event stream).
export async function routeExists(path) {
  try {
    const res = await fetch(new URL(path, window.location.origin), { headers: authHeaders() });
    return res.status !== 404 && res.status !== 405;
  } catch {
    return false;
  }
}
