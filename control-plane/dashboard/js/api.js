// @ts-check
// The API client: every request carries the bearer token from sessionStorage; a 401 opens the
// sign-in dialog once (concurrent requests wait for it) and the request is retried.
import { askToken } from './dialogs.js';

const TOKEN_KEY = 'vigil.token';

export class ApiError extends Error {
  /** @param {number} status @param {string} message @param {string} [code] */
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @returns {string | null} */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** @returns {Record<string, string>} */
export function authHeaders() {
  const t = token();
  return t ? { authorization: `Bearer ${t}` } : {};
}

/** @type {Promise<void> | undefined} */
let signingIn;
/** Listeners told when the token changes (role badge, live stream). @type {Set<() => void>} */
const onSignIn = new Set();

/** @param {() => void} listener */
export function whenSignedIn(listener) {
  onSignIn.add(listener);
}

/** Asks for a token (one dialog however many requests were refused). @param {string} why */
export function signIn(why) {
  signingIn ??= askToken(why).then((t) => {
    sessionStorage.setItem(TOKEN_KEY, t);
    signingIn = undefined;
    for (const l of onSignIn) l();
  });
  return signingIn;
}

/**
 * @template T
 * @param {string} path
 * @param {{method?: string, body?: unknown}} [opts]
 * @returns {Promise<T>}
 */
export async function api(path, opts = {}) {
  const { method = 'GET', body } = opts;
  for (let attempt = 0; ; attempt++) {
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json', ...authHeaders() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    if (res.status === 401) {
      await signIn(attempt === 0 && !token() ? 'This control plane needs an API token.' : 'That token was not accepted. Try another.');
      continue;
    }
    const text = await res.text();
    /** @type {any} */
    let data;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError(res.status, `${method} ${path}: the answer is not JSON`);
    }
    if (!res.ok) {
      const message = res.status === 403 ? 'your token may only read: this needs an admin token' : (data?.message ?? res.statusText);
      throw new ApiError(res.status, `${method} ${path}: ${message}`, data?.code);
    }
    return data;
  }
}

/** Builds a query string from the set values only. @param {Record<string, string | number | undefined>} params */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
