// Helpers for the integration cases: waiting for state with a deadline (never fixed sleeps) and asking the browser
// host for a screenshot of the workbench at a moment the test chooses.

const POLL_INTERVAL_MS = 100;
export const DEFAULT_WAIT_MS = 30_000;

/**
 * Calls `probe` until it returns something other than undefined/false and returns that value; fails with `what`
 * and the last value seen when the deadline passes.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/**
 * Saves a PNG of the workbench as test-results/screenshots/<name>.png and returns once it is written. Only the
 * browser host can photograph its window; under the desktop host this does nothing.
 */
export async function screenshot(name: string): Promise<void> {
  const service = process.env.ASYNCIO_LENS_SCREENSHOT_URL;
  if (!service) return;
  const response = await fetch(`${service}/screenshot/${name}`);
  if (!response.ok) throw new Error(`screenshot ${name} failed: HTTP ${response.status} ${await response.text()}`);
}
