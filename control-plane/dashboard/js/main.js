// @ts-check
// Boots the dashboard: hash routes to views (each view renders into #view and stops its live
// listeners when left), the live stream, keys, and who is signed in.
import { api, signOut, token, whenSignedIn } from './api.js';
import { fill, h } from './dom.js';
import { installKeys, setActions } from './keys.js';
import { live, startStream } from './stream.js';
import * as ai from './views/ai.js';
import * as feed from './views/feed.js';
import * as incident from './views/incident.js';
import * as remediations from './views/remediations.js';
import * as rules from './views/rules.js';
import * as sensors from './views/sensors.js';
import * as settings from './views/settings.js';

/**
 * @typedef {(root: HTMLElement, ctx: {params: string[], signal: AbortSignal}) => Promise<void>} View
 * @type {Array<[RegExp, string, View]>}
 */
const ROUTES = [
  [/^#?\/?(?:incidents)?$/, 'incidents', feed.render],
  [/^#\/incidents\/(.+)$/, 'incidents', incident.render],
  [/^#\/ai$/, 'ai', ai.render],
  [/^#\/remediations$/, 'remediations', remediations.render],
  [/^#\/rules$/, 'rules', rules.render],
  [/^#\/sensors$/, 'sensors', sensors.render],
  [/^#\/settings$/, 'settings', settings.render],
];

const root = /** @type {HTMLElement} */ (document.getElementById('view'));
/** @type {AbortController | undefined} */
let leaving;

async function route() {
  leaving?.abort();
  const ctl = new AbortController();
  leaving = ctl;
  setActions({});
  const hash = location.hash;
  const match = ROUTES.map(([re, nav, view]) => /** @type {const} */ ([re.exec(hash), nav, view])).find(([m]) => m);
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (match && a.getAttribute('data-nav') === match[1]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!match) {
    fill(root, h('h1', {}, 'Not found'), h('p', {}, 'No such view. ', h('a', { href: '#/incidents' }, 'Go to incidents')));
    return;
  }
  const [m, , view] = match;
  fill(root, h('p', { class: 'loading' }, 'Loading…'));
  try {
    await view(root, { params: (m ?? []).slice(1).map(decodeURIComponent), signal: ctl.signal });
  } catch (err) {
    if (ctl.signal.aborted) return;
    fill(root, h('h1', {}, 'Could not load this view'), h('p', { class: 'error' }, err instanceof Error ? err.message : String(err)));
  }
}

/** Shows who the token belongs to and its role (read or admin), as GET /api/settings says. */
async function showWho() {
  const who = /** @type {HTMLElement} */ (document.getElementById('who'));
  const logout = /** @type {HTMLButtonElement} */ (document.getElementById('logout'));
  try {
    /** @type {{auth?: {enabled: boolean, actor?: string, role?: string}}} */
    const s = await api('/api/settings');
    who.textContent = !s.auth ? 'signed in' : s.auth.enabled ? `${s.auth.actor} · ${s.auth.role}` : 'open API (no tokens configured)';
    who.dataset.role = s.auth?.role ?? (s.auth?.enabled === false ? 'admin' : '');
  } catch (err) {
    who.textContent = err instanceof Error ? err.message : 'unknown user';
  }
  logout.hidden = !token();
}

function boot() {
  installKeys();
  const liveEl = /** @type {HTMLElement} */ (document.getElementById('live'));
  live.addEventListener('state', (e) => {
    const state = /** @type {CustomEvent<string>} */ (e).detail;
    liveEl.dataset.state = state;
    liveEl.textContent = state === 'live' ? 'live' : state;
  });
  /** @type {HTMLElement} */ (document.getElementById('help-open')).addEventListener('click', () => /** @type {HTMLDialogElement} */ (document.getElementById('help')).showModal());
  /** @type {HTMLElement} */ (document.getElementById('logout')).addEventListener('click', () => {
    signOut();
    location.reload();
  });
  whenSignedIn(() => {
    void showWho();
    startStream();
  });
  window.addEventListener('hashchange', () => void route());
  // The server dropped messages for this (slow) client: what is shown may be stale, re-read it.
  live.addEventListener('dropped', () => void route());
  void route();
  void showWho();
  startStream();
}

boot();
