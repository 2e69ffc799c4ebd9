/**
 * Every CASEBOOK_* error code, with what it means. Codes are stable: records and issues cite them, so a code is
 * added here (and to README's "Error codes"), never renamed. A test fails when the source uses a code that is not
 * registered, or a registered code is missing from the README.
 *
 * Records also hold codes that are not ours, and so are not here: `HTTP_<status>` for a response with an unexpected
 * status, and the HTTP clients' own error codes (ECONNRESET, ECONNREFUSED, ETIMEDOUT, UND_ERR_*, ERR_*…), in
 * `errors.byCode` and `errorSamples`; a foreign worker may report its own in `error.code`.
 */
export const CASEBOOK_CODES = {
  // Input and records
  CASEBOOK_USAGE: 'bad input (a flag, option or argument); the message names the field and the value',
  CASEBOOK_RECORD_JSON: 'a results file is not valid JSON',
  CASEBOOK_RECORD_SCHEMA:
    'a record does not match its schema (the message names the JSON path), has a schemaVersion this casebook cannot read, or is not the kind expected',
  CASEBOOK_RECORD_MISSING: 'a results file does not exist or cannot be read',
  CASEBOOK_VERSION_STORE:
    'the version store could not install a runtime or client version from the npm registry (npm failed, or what it installed does not match the registry integrity)',
  CASEBOOK_REPO_ROOT: 'not inside the casebook repository (no package.json with "workspaces" above)',
  // Run outcomes (a record's error.code)
  CASEBOOK_INCOMPLETE: 'a run ended with fewer trials than planned and no other error',
  CASEBOOK_INTERRUPTED: 'the run was stopped (Ctrl-C or a signal) before it completed; the record keeps what was done',
  CASEBOOK_MEASUREMENT_ERRORED: 'a case study ran to its end but at least one of its measurements did not complete',
  CASEBOOK_RUN: 'an unexpected error during a run; the message carries the original error',
  CASEBOOK_TRIAL_TIMEOUT: 'a trial (or DNS job) ran longer than its time limit and was stopped',
  // The client process
  CASEBOOK_WORKER_SPAWN: 'the client worker process could not be started',
  CASEBOOK_WORKER: 'the client worker process failed with an unexpected error',
  CASEBOOK_CLIENT_OPEN:
    'the client under test could not be opened in its worker (an option it refused, a missing package)',
  CASEBOOK_CLIENT_EXITED: 'the client process exited before the run finished',
  CASEBOOK_CLIENT_STALLED:
    'the client under test stopped making progress and could not be paused (its event loop answered no control message within the grace period); a fault of the client, recorded with the measurement, which then stops',
  CASEBOOK_PAUSE_UNANSWERED:
    "the harness's pause after a block (sent once the block's measured windows had all arrived) was not answered in time; a fault of the harness's pause, not of the client: the block is kept as data, the client reopened, and the fault listed in notes.harnessFaults",
  // Per request (counted in errors.byCode)
  CASEBOOK_BODY_SIZE: 'a response body was not the size the target was told to send',
  CASEBOOK_REQUEST_TIMEOUT: 'a request took longer than requestTimeoutMs (node-http and node-http2 adapters)',
  // Lab servers
  CASEBOOK_TARGET_START: 'the target server process did not start',
  CASEBOOK_TARGET_EXITED: 'the target server process exited during the run',
  CASEBOOK_TARGET_CONTROL: 'the target did not answer a control request in time, or refused it',
  CASEBOOK_PROXY_START: 'the delaying proxy process did not start',
  CASEBOOK_PROXY_EXITED: 'the delaying proxy process exited during the run',
  CASEBOOK_PROXY_CONTROL: 'the delaying proxy did not answer a control request in time, or refused it',
  CASEBOOK_DNS_START: 'the lab DNS server process did not start',
  CASEBOOK_DNS_EXITED: 'the lab DNS server process exited during the run',
  CASEBOOK_DNS_CONTROL: 'the lab DNS server did not answer a control request in time, or refused it',
  CASEBOOK_CONTROL_REQUEST: 'a lab server failed a control request with an unexpected error',
  CASEBOOK_RACE_TARGET_START: 'the keep-alive race target process did not start',
  CASEBOOK_RACE_TARGET_EXITED: 'the keep-alive race target process exited during the run',
  CASEBOOK_RACE_TARGET_CONTROL: 'the keep-alive race target did not answer a control request in time, or refused it',
  CASEBOOK_RACE: 'a keep-alive race run failed with an unexpected error; the message carries the original error',
  CASEBOOK_RACE_GAVE_UP:
    'per request: the harness stopped waiting for a race request after giveUpAfterMs, the client still waiting (the stalled server)',
  CASEBOOK_DNS_NO_NAMESPACE:
    'a DNS job resolves through the system resolver, which cannot be pointed at the lab server on this machine (no private mount namespace); nothing ran',
  CASEBOOK_BODY_TIMEOUT:
    'a bodies-lab request got no answer (body consumed, or headers for an unread body) within its time limit; counted as an error of that request',
  // Foreign (Python) clients
  CASEBOOK_FOREIGN_UNAVAILABLE: 'no Python that imports httpx and aiohttp was found; nothing ran',
  CASEBOOK_FOREIGN_PROTOCOL: 'the foreign-client worker received a start message it could not read',
  // Notebooks
  CASEBOOK_NOTEBOOK_READ: 'a notebook file could not be read or is not nbformat 4 JSON',
  CASEBOOK_NOTEBOOK_PARAMETERS: 'bad notebook parameters, or parameters given to a notebook without a parameters cell',
  CASEBOOK_NOTEBOOK_FAILED: 'a notebook cell failed or timed out, or the kernel died',
  CASEBOOK_NOTEBOOK_ABORTED: 'a notebook run was aborted by its caller',
  CASEBOOK_PYTHON_MISSING: 'no Python that imports nbclient and nbformat (needed to run notebooks)',
} as const;

export type CasebookCode = keyof typeof CASEBOOK_CODES;

export function isCasebookCode(value: unknown): value is CasebookCode {
  return typeof value === 'string' && Object.hasOwn(CASEBOOK_CODES, value);
}
