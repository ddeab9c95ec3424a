// What both UI tests report and assert with: log lines timed from the start of the test, and a failure that the test's main
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
