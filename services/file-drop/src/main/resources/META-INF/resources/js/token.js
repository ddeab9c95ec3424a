// The drop token: when file-drop is started with FILE_DROP_TOKEN, drops answer 401 without it. The page then asks for it in
// a modal dialog (keyboard: the field has the focus, Enter sends, Escape cancels), keeps it in sessionStorage (this tab only,
// never in a URL) and sends it as "Authorization: Bearer <token>" with every later drop.

const KEY = 'tf-fashion.dropToken';

let pending = null;

/** The headers that carry the kept token, if any. */
export function authorization() {
  const token = sessionStorage.getItem(KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

/**
 * Asks for the token (one dialog at a time: drops waiting together share it). Resolves to true once a token is kept,
 * false when the user cancels. `reason` is the API's own error, shown in the dialog.
 */
export function askForToken(reason) {
  if (!pending) {
    pending = prompt(reason).finally(() => {
      pending = null;
    });
  }
  return pending;
}

function prompt(reason) {
  const dialog = document.getElementById('token-dialog');
  const form = document.getElementById('token-form');
  const input = document.getElementById('token-input');
  const error = document.getElementById('token-error');
  const cancel = document.getElementById('token-cancel');
  error.textContent = reason || '';
  input.value = '';
  return new Promise((resolve) => {
    const done = (kept) => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('close', onClose);
      if (dialog.open) dialog.close();
      input.value = '';
      resolve(kept);
    };
    const onSubmit = (e) => {
      e.preventDefault();
      const token = input.value.trim();
      if (!token) {
        error.textContent = 'Enter the token, or cancel.';
        input.focus();
        return;
      }
      sessionStorage.setItem(KEY, token);
      done(true);
    };
    const onCancel = () => done(false);
    const onClose = () => done(false);
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('close', onClose);
    dialog.showModal();
    input.focus();
  });
}
