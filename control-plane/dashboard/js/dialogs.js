// @ts-check
// The three modal dialogs of index.html (<dialog>: focus is trapped and Esc closes natively).

/** @param {string} id */
const dialog = (id) => /** @type {HTMLDialogElement} */ (document.getElementById(id));

/** Resolves with the token the person typed. @param {string} why @returns {Promise<string>} */
export function askToken(why) {
  const d = dialog('login');
  const input = /** @type {HTMLInputElement} */ (document.getElementById('login-token'));
  /** @type {HTMLElement} */ (document.getElementById('login-why')).textContent = why;
  input.value = '';
  return new Promise((resolve) => {
    const done = () => {
      const t = input.value.trim();
      if (!t) return void d.showModal();
      d.removeEventListener('close', done);
      resolve(t);
    };
    d.addEventListener('close', done);
    // Without a token nothing works: Esc just asks again.
    d.addEventListener('cancel', (e) => e.preventDefault(), { once: true });
    if (!d.open) d.showModal();
    input.focus();
  });
}

/** Asks before a decision; resolves with the reason typed, or undefined when cancelled. @param {string} text @returns {Promise<string | undefined>} */
export function confirmAction(text) {
  const d = dialog('confirm');
  const why = /** @type {HTMLInputElement} */ (document.getElementById('confirm-why'));
  /** @type {HTMLElement} */ (document.getElementById('confirm-text')).textContent = text;
  why.value = '';
  d.returnValue = '';
  const cancel = /** @type {HTMLButtonElement} */ (document.getElementById('confirm-cancel'));
  cancel.onclick = () => d.close('cancel');
  return new Promise((resolve) => {
    d.addEventListener('close', () => resolve(d.returnValue === 'ok' ? why.value.trim() : undefined), { once: true });
    d.showModal();
    why.focus();
  });
}

export function showHelp() {
  const d = dialog('help');
  if (!d.open) d.showModal();
}

/** True while any dialog is open (keys go to the dialog then). */
export function dialogOpen() {
  return document.querySelector('dialog[open]') !== null;
}
