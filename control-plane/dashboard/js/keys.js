// @ts-check
// Keyboard: j/k move between the rows of the current view ([data-row], each focusable), Enter
// opens the focused row, a/r approve or reject (the view decides what), g+letter navigates,
// / focuses the first filter, ? shows the help. Keys typed into fields are left alone; Esc
// leaves the field.
import { dialogOpen, showHelp } from './dialogs.js';

/** @type {{approve?: () => void, reject?: () => void}} */
let actions = {};

/** The current view's a/r handlers (reset on every navigation). @param {{approve?: () => void, reject?: () => void}} next */
export function setActions(next) {
  actions = next;
}

const GO = /** @type {Record<string, string>} */ ({ i: '#/incidents', a: '#/ai', m: '#/remediations', r: '#/rules', s: '#/sensors', t: '#/settings' });

/** Moves focus to the next/previous row of the view. @param {number} step */
export function moveRow(step) {
  const rows = /** @type {HTMLElement[]} */ ([...document.querySelectorAll('#view [data-row]')]);
  if (!rows.length) return;
  const at = rows.findIndex((r) => r === document.activeElement || r.contains(document.activeElement));
  const next = rows[at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(Math.max(at + step, 0), rows.length - 1)];
  next?.focus();
  next?.scrollIntoView({ block: 'nearest' });
}

/** Inputs whose keys are not text (a focused radio or checkbox keeps the shortcuts). */
const NON_TEXT = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file']);

function typing(/** @type {EventTarget | null} */ t) {
  if (t instanceof HTMLInputElement) return !NON_TEXT.has(t.type);
  return t instanceof HTMLElement && (t.isContentEditable || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT');
}

export function installKeys() {
  let pendingG = 0;
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || dialogOpen()) return;
    if (typing(e.target)) {
      // Esc leaves a field so the shortcuts work again.
      if (e.key === 'Escape') /** @type {HTMLElement} */ (e.target).blur();
      return;
    }
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      const to = GO[e.key];
      if (to) {
        e.preventDefault();
        location.hash = to;
      }
      return;
    }
    switch (e.key) {
      case 'g':
        pendingG = Date.now();
        break;
      case 'j':
        moveRow(1);
        break;
      case 'k':
        moveRow(-1);
        break;
      case 'Enter': {
        const row = /** @type {HTMLElement | null} */ (document.activeElement?.closest('[data-row]') ?? null);
        if (!row || row.tagName === 'A' || row.tagName === 'BUTTON') return;
        const link = row.querySelector('a[href]');
        if (link instanceof HTMLAnchorElement) link.click();
        break;
      }
      case 'a':
        actions.approve?.();
        break;
      case 'r':
        actions.reject?.();
        break;
      case '/': {
        const field = document.querySelector('#view input, #view select');
        if (field instanceof HTMLElement) field.focus();
        break;
      }
      case '?':
        showHelp();
        break;
      default:
        return;
    }
    e.preventDefault();
  });
}
