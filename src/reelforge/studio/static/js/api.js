// The HTTP API as the Studio uses it: the same routes and Bearer keys as any client.
//
// Credentials live in sessionStorage (per tab, gone when the tab closes): the Studio never keeps a
// key longer than the browser session that typed it.

const STORE = "reelforge.studio.credential";

// How a credential becomes request headers: an API key, or the auth token a login link was
// exchanged for (with its refresh token, rotated when the hour-long auth token runs out).
const AUTH_SCHEMES = {
  api_key: (value) => ({ Authorization: `Bearer ${value}` }),
  auth_token: (value) => ({ Authorization: `Bearer ${value.auth}` }),
};

// `who` is what the server said about the signed-in user ({ external, name }), for the header.
export function credential() {
  const raw = sessionStorage.getItem(STORE);
  return raw ? JSON.parse(raw) : null;
}

export function setCredential(kind, value, who = null) {
  if (!AUTH_SCHEMES[kind]) throw new Error(`unknown credential kind ${kind}`);
  sessionStorage.setItem(STORE, JSON.stringify({ kind, value, who }));
}

export function signOut() {
  sessionStorage.removeItem(STORE);
}

export function authHeaders() {
  const c = credential();
  return c ? AUTH_SCHEMES[c.kind](c.value) : {};
}

// A login link's single-use token -> an auth + refresh token pair (GET /users/verify_token), kept
// as this tab's credential. Throws ApiError (401: used or expired) like any call.
export async function redeemLoginToken(loginToken) {
  const url = new URL("/users/verify_token", window.location.origin);
  url.searchParams.set("loginToken", loginToken);
  const res = await fetch(url, { headers: { Accept: "application/json" } });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, data);
  const name = data.displayName || data.username || data.externalUserId || data.uniqueKey || null;
  setCredential("auth_token", { auth: data.authToken, refresh: data.refreshToken }, { external: !!data.isExternalUser, name });
}

// An expired auth token is renewed with the refresh token, once for all the calls that found it
// expired together: a refresh token works once, and presenting it twice would revoke the session.
let refreshing = null;

async function rotate(c) {
  const res = await fetch(new URL("/v2/user/refresh_token", window.location.origin), {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ refreshToken: c.value.refresh }),
  });
  if (!res.ok) return false;
  const data = await res.json();
  setCredential(c.kind, { auth: data.authToken, refresh: data.refreshToken }, c.who);
  return true;
}

async function refreshed(sentAuth) {
  const c = credential();
  if (!c || c.kind !== "auth_token") return false;
  if (c.value.auth !== sentAuth) return true; // another call has renewed it meanwhile
  refreshing ??= rotate(c).finally(() => {
    refreshing = null;
  });
  return refreshing;
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
export async function api(path, { method = "GET", body, query, signal, retried = false } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const headers = { Accept: "application/json", ...authHeaders() };
  const sentAuth = credential()?.value?.auth;
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
  if (res.status === 401 && !retried && (await refreshed(sentAuth))) return api(path, { method, body, query, signal, retried: true });
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
