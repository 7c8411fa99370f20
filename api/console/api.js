// Talking to the Sigap API: the bearer token of this tab, JSON requests, and
// RFC 9457 problems turned into errors the views can show.

const TOKEN_KEY = 'sigap.token';
/** A staff session's refresh token and when its access token expires (ms). */
const REFRESH_KEY = 'sigap.refresh';
const EXPIRES_KEY = 'sigap.expires';

/** An answer that is not a success: `status`, and the problem body if any. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }

  /** Field errors of a validation problem: `[{field, message}]`. */
  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

/** The network failed (no answer at all). */
export class NetworkError extends Error {}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
  sessionStorage.removeItem(EXPIRES_KEY);
}

/** Keeps a token pair of a staff session (`/v1/auth/login`, `/refresh`, `/session`). */
export function setSession(pair) {
  setToken(pair.access_token);
  sessionStorage.setItem(REFRESH_KEY, pair.refresh_token);
  sessionStorage.setItem(EXPIRES_KEY, String(Date.now() + pair.expires_in * 1000));
}

/** The refresh token of this tab's staff session, if it has one. */
export function refreshToken() {
  return sessionStorage.getItem(REFRESH_KEY);
}

/** When the access token expires (ms since the epoch), for a staff session. */
export function expiresAt() {
  return Number(sessionStorage.getItem(EXPIRES_KEY) ?? 0);
}

/**
 * The claims of a token, decoded for display only: the API verifies the
 * token on every request.
 */
export function decodeClaims(jwt) {
  try {
    const payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = payload + '='.repeat((4 - (payload.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/**
 * Sends a request. Resolves to `{status, data, headers}` for 2xx and 304;
 * rejects with ApiError for any other status (after telling the page about a
 * 401, so that it can ask for a new token) or NetworkError.
 */
export async function request(path, { method = 'GET', body, headers = {}, signal, auth = true, bearer } = {}) {
  const all = { Accept: 'application/json, application/problem+json', ...headers };
  const jwt = bearer ?? (auth ? token() : null);
  if (jwt) all.Authorization = `Bearer ${jwt}`;
  const form = typeof FormData !== 'undefined' && body instanceof FormData;
  // A file (a list to import) is sent as it is, with the type the caller gives.
  const file = typeof Blob !== 'undefined' && body instanceof Blob;
  if (body !== undefined && !form && !file) all['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: all,
      body: body === undefined ? undefined : form || file || typeof body === 'string' ? body : JSON.stringify(body),
      signal,
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new NetworkError(e.message);
  }
  const type = response.headers.get('Content-Type') ?? '';
  const data = type.includes('json') && response.status !== 304 && response.status !== 204
    ? await response.json().catch(() => null)
    : null;
  if (response.ok || response.status === 304) {
    return { status: response.status, data, headers: response.headers };
  }
  if (response.status === 401 && jwt && !bearer) {
    document.dispatchEvent(new CustomEvent('sigap:unauthorized'));
  }
  throw new ApiError(response.status, data);
}

export async function get(path, options) {
  return (await request(path, options)).data;
}

export async function post(path, body, options = {}) {
  return request(path, { ...options, method: 'POST', body });
}

/**
 * Downloads a file that needs the bearer token: fetched, then saved from a
 * blob URL (revoked once the browser has it) under `filename` or the name
 * the answer's Content-Disposition gives.
 */
export async function download(path, filename) {
  const headers = { Accept: '*/*' };
  const jwt = token();
  if (jwt) headers.Authorization = `Bearer ${jwt}`;
  let response;
  try {
    response = await fetch(path, { headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
  } catch (e) {
    throw new NetworkError(e.message);
  }
  if (!response.ok) {
    const type = response.headers.get('Content-Type') ?? '';
    const problem = type.includes('json') ? await response.json().catch(() => null) : null;
    if (response.status === 401 && jwt) document.dispatchEvent(new CustomEvent('sigap:unauthorized'));
    throw new ApiError(response.status, problem);
  }
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const named = /filename="([^"]+)"/.exec(disposition)?.[1];
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename || named || 'sigap';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60000);
  return { size: blob.size, filename: link.download };
}

/** Every item of a paged list (`items`, `next_cursor`). */
export async function all(path, options) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await get(cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path, options);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

/** A fresh Idempotency-Key (crypto.randomUUID where the page is a secure context). */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
