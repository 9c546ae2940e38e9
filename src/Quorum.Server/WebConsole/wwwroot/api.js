// The node's HTTP API as the console uses it: every call goes to the node that served the page,
// with the bearer token once the user has logged in.

/** An answer other than 2xx, with the API's own error text. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// credentials: 'omit' on every fetch: the console sends its own Authorization header, and a 401
// with "WWW-Authenticate: Basic" to a request that includes credentials makes the browser open its
// own login dialog (headless, it waits on it for ever) instead of handing the answer to the page.
const FetchOptions = { cache: 'no-store', credentials: 'omit' };

let token = null;
let onUnauthorized = () => {};

/** Sets what happens when a call answers 401: the console asks for credentials. */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

export function loggedIn() {
  return token !== null;
}

export function logOut() {
  token = null;
}

/** Percent-encodes a key for /key/{key}; dots too, so "." or ".." is a key, not a path step. */
export function keyPath(key) {
  return '/key/' + encodeURIComponent(key).replaceAll('.', '%2E');
}

/** Sends one request; resolves with the response when it is 2xx (or 304), throws ApiError otherwise. */
export async function call(method, path, { body, headers, signal } = {}) {
  const sent = new Headers(headers);
  if (token !== null) sent.set('Authorization', 'Bearer ' + token);
  const response = await fetch(path, { ...FetchOptions, method, body, headers: sent, signal });
  if (response.ok) return response;
  const error = new ApiError(response.status, await errorText(response));
  if (response.status === 401) {
    token = null;
    onUnauthorized(error);
  }
  throw error;
}

/** Fetches a route that needs no credentials, such as /health. */
export function anonymous(path) {
  return fetch(path, FetchOptions);
}

/** GETs JSON. */
export async function getJson(path) {
  return (await call('GET', path)).json();
}

/**
 * Trades a user name and password for a token (POST /auth/token with Basic credentials), so the
 * password is sent once and never kept. Resolves false when auth is off and no token is needed.
 */
export async function logIn(user, password) {
  const bytes = new TextEncoder().encode(user + ':' + password);
  const basic = btoa(String.fromCharCode(...bytes));
  const response = await fetch('/auth/token', { ...FetchOptions, method: 'POST', headers: { Authorization: 'Basic ' + basic } });
  if (response.status === 409) return false;
  if (!response.ok) throw new ApiError(response.status, await errorText(response));
  token = (await response.json()).token;
  return true;
}

/**
 * Follows GET /watch?prefix=P as server-sent events, read from a streaming fetch (EventSource
 * cannot send an Authorization header). Calls onEvent({event, id, data}) for each event, and
 * resolves when the stream ends or signal aborts.
 */
export async function watch(prefix, from, onEvent, signal) {
  const query = new URLSearchParams({ prefix });
  if (from) query.set('from', String(from));
  const response = await call('GET', '/watch?' + query, { signal, headers: { Accept: 'text/event-stream' } });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replaceAll('\r\n', '\n');
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event) onEvent(event);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

// One block of "field: value" lines; lines starting with ':' are comments (keep-alives).
function parseEvent(block) {
  const event = { event: 'message', id: null, data: [] };
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') event.data.push(value);
    else if (field === 'event') event.event = value;
    else if (field === 'id') event.id = value;
  }
  if (event.data.length === 0) return null;
  return { event: event.event, id: event.id, data: JSON.parse(event.data.join('\n')) };
}

async function errorText(response) {
  try {
    const body = await response.json();
    if (body && typeof body.error === 'string') return body.error;
  } catch {
    // Not the API's JSON error: fall back to the status line.
  }
  return `${response.status} ${response.statusText}`.trim();
}
