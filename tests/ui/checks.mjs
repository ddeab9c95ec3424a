// What the UI tests report and assert with: log lines timed from the start of the test, and a failure that the test's main
// loop reports as expected (a check that did not hold) rather than as a crash of the script.

const started = Date.now();

export function log(message) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}

export function fail(message) {
  const error = new Error(message);
  error.expected = true;
  throw error;
}

export function check(condition, message) {
  if (!condition) fail(message);
}

/**
 * The REST API of the file drop at `base`: `get(path)`, and `post(path, body, headers)` with a JSON body or the bytes of a drop;
 * both answer the parsed JSON and fail with the API's own error unless the status is 2xx. Writes carry the drop token when one
 * is given.
 */
export function restApi(base, token) {
  async function call(method, pathName, body, extra) {
    const headers = { Accept: 'application/json', ...extra };
    if (method !== 'GET' && token) headers.Authorization = `Bearer ${token}`;
    const bytes = body instanceof Uint8Array;
    if (body !== undefined) headers['Content-Type'] ||= bytes ? 'application/octet-stream' : 'application/json';
    const response = await fetch(base + pathName, { method, headers, body: bytes || body === undefined ? body : JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) fail(`${method} ${pathName} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }
  return {
    get: (pathName) => call('GET', pathName),
    post: (pathName, body, headers) => call('POST', pathName, body, headers),
  };
}

/** Runs a script's argument parsing; a bad argument ends the process with the message alone (exit code 2), not a stack trace. */
export function argumentsOrExit(script, parse) {
  try {
    return parse();
  } catch (e) {
    if (!e.expected) throw e;
    console.error(`${script}: ${e.message}`);
    return process.exit(2);
  }
}
