// @ts-check
// Small DOM helpers: elements are built with h() (text is always set as text, never parsed as
// HTML, so data from the API cannot inject markup) and formatting shared by the views.

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {Record<string, string | number | boolean | null | undefined | EventListener>} Attrs
 */

/**
 * Creates an element: `on*` attributes become listeners, booleans toggle attributes.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

/**
 * @param {Node} parent
 * @param {(Child | Child[])[]} children
 */
export function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces an element's content.
 * @param {Element} el
 * @param {...(Child | Child[])} children
 */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** @param {string | undefined} iso */
export function time(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** "3 min ago"; exact time in the title. @param {string | undefined} iso */
export function ago(iso) {
  if (!iso) return h('span', {}, '–');
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  const text = s < 60 ? `${Math.max(s, 0)} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86400 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86400)} d ago`;
  return h('time', { datetime: iso, title: time(iso) }, text);
}

/** @param {number | undefined} n */
export function num(n) {
  return n === undefined || n === null ? '–' : n.toLocaleString('en-US');
}

/** @param {number | undefined} usd */
export function usd(usd) {
  if (usd === undefined || usd === null) return '–';
  return `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

/** @param {number | undefined} ms */
export function ms(ms) {
  return ms === undefined || ms === null ? '–' : `${Math.round(ms).toLocaleString('en-US')} ms`;
}

/** A labelled badge, e.g. priority or state; the class names the value for colour. @param {string} kind @param {string} value */
export function badge(kind, value) {
  return h('span', { class: `badge ${kind}-${value}` }, value);
}

/** Shows a short message to everyone (role=alert). @param {string} text */
export function toast(text) {
  const el = /** @type {HTMLElement} */ (document.getElementById('toast'));
  el.textContent = text;
  el.hidden = false;
  clearTimeout(Number(el.dataset.timer));
  el.dataset.timer = String(setTimeout(() => (el.hidden = true), 6000));
}

/** A page heading plus an optional toolbar. @param {string} title @param {...Child} tools */
export function heading(title, ...tools) {
  return h('div', { class: 'page-head' }, h('h1', {}, title), tools.length ? h('div', { class: 'tools' }, ...tools) : null);
}
