// The browser host: the mocha suite runs in the Node extension host of code-server (VS Code 1.99.3), whose workbench
// is rendered by Debian's Chromium driven with playwright-core. The workbench reports the suite's result through
// window.codeAutomationExit, exactly as in VS Code's own browser integration tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ensureCodeServer, CODE_SERVER_VERSION } from './code-server-install.mjs';
import { startCodeServer } from './code-server.mjs';
import { log } from './process.mjs';

export const CHROMIUM = '/usr/bin/chromium';
/** The test-side helper reads this to ask for a screenshot at a moment the test chooses. */
export const SCREENSHOT_URL_VARIABLE = 'ASYNCIO_LENS_SCREENSHOT_URL';
const CHROMIUM_ARGS = [
  '--no-sandbox', // running as root in a container
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const VIEWPORT = { width: 1440, height: 900 };

export function describeBrowserHost() {
  return `browser (code-server ${CODE_SERVER_VERSION} + ${CHROMIUM} via playwright-core)`;
}

/** The longest a screenshot request may wait for the element it names (the hover, the quick-fix menu). */
const MAX_ELEMENT_WAIT_MS = 15_000;

/**
 * Serves screenshot requests from the extension host:
 *   GET /screenshot/<name>[?mouseOver=<css selector>][&waitFor=<css selector>&timeoutMs=<n>]
 * answers once test-results/screenshots/<name>.png is written, so the test knows the picture shows the state it set
 * up. `mouseOver` moves the mouse onto the centre of that element first, as a person pointing at it would (e.g. a
 * squiggle, to get its hover). With `waitFor`, the picture is taken when that element is visible; if it does not
 * show within `timeoutMs`, the answer is 408 and nothing is written.
 */
function startScreenshotServer(screenshotsDir, getPage) {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://screenshots');
    const match = /^\/screenshot\/([a-z0-9-]{1,80})$/.exec(url.pathname);
    const page = getPage();
    if (!match || !page) {
      response.writeHead(match ? 503 : 404).end();
      return;
    }
    const mouseOver = url.searchParams.get('mouseOver');
    const selector = url.searchParams.get('waitFor');
    const timeout = Math.min(Number(url.searchParams.get('timeoutMs')) || MAX_ELEMENT_WAIT_MS, MAX_ELEMENT_WAIT_MS);
    try {
      if (mouseOver) await moveMouseOnto(page, mouseOver, timeout);
      if (selector) await page.locator(selector).filter({ visible: true }).first().waitFor({ timeout });
    } catch (error) {
      response.writeHead(408, { 'content-type': 'text/plain' }).end(String(error.message ?? error).split('\n')[0]);
      return;
    }
    try {
      const file = join(screenshotsDir, `${match[1]}.png`);
      await page.screenshot({ path: file, animations: 'disabled' }); // fade-ins finished, not caught halfway
      log(`screenshot ${file}`);
      response.writeHead(200, { 'content-type': 'text/plain' }).end(file);
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Moves the mouse away and then onto the element, so the workbench sees a fresh "mouse entered". */
async function moveMouseOnto(page, selector, timeout) {
  const box = await page.locator(selector).filter({ visible: true }).first().boundingBox({ timeout });
  if (!box) throw new Error(`${selector} has no box to point at`);
  await page.mouse.move(0, 0);
  // Editor decorations (squiggles) lie under the text layer, so the mouse goes to the point, not to the element.
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
}

/**
 * @param {{ repoRoot: string, extensionDevelopmentPath: string, extensionTestsPath: string,
 *           workspaceFolder: string, resultsDir: string, timeoutMs: number }} options
 * @returns {Promise<number>} the suite's exit code
 */
export async function runInBrowser({ repoRoot, extensionDevelopmentPath, extensionTestsPath, workspaceFolder, resultsDir, timeoutMs }) {
  const entry = await ensureCodeServer(repoRoot);
  const screenshotsDir = join(resultsDir, 'screenshots');
  mkdirSync(screenshotsDir, { recursive: true });

  let page;
  const screenshots = await startScreenshotServer(screenshotsDir, () => page);
  const workbenchLog = [];
  let codeServer;
  let browser;
  try {
    codeServer = await startCodeServer({
      entry,
      logFile: join(resultsDir, 'code-server.log'),
      keepLogsIn: join(resultsDir, 'vscode-logs'),
      env: { [SCREENSHOT_URL_VARIABLE]: `http://127.0.0.1:${screenshots.address().port}` },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
    page = await browser.newPage({ viewport: VIEWPORT });

    let reportExit;
    const exited = new Promise((resolve) => (reportExit = resolve));
    await page.exposeFunction('codeAutomationExit', (code) => reportExit(Number(code)));
    await page.exposeFunction('codeAutomationLog', (level, message) => {
      workbenchLog.push(`[${level}] ${message}`);
      printReportLine(String(message));
    });
    page.on('pageerror', (error) => workbenchLog.push(`[error] uncaught in the page: ${error.message}`));
    page.on('crash', () => {
      log('FAILED: the workbench page crashed');
      reportExit(1);
    });

    const remote = (path) => `vscode-remote://${codeServer.authority}${path}`;
    const payload = [
      ['extensionDevelopmentPath', remote(extensionDevelopmentPath)],
      ['extensionTestsPath', remote(extensionTestsPath)],
      ['skipWelcome', 'true'],
    ];
    log(`opening the workbench on ${workspaceFolder}`);
    await page.goto(`${codeServer.origin}/?folder=${encodeURIComponent(workspaceFolder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`, {
      timeout: 60_000,
    });

    let timer;
    const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    const finalState = join(screenshotsDir, 'final-state.png');
    await page.screenshot({ path: finalState }).catch(() => {});
    if (outcome === 'timeout') log(`FAILED: the suite did not finish within ${timeoutMs / 1000}s (see ${finalState})`);
    const exitCode = outcome === 'timeout' ? 1 : outcome;
    if (exitCode !== 0) printWorkbenchErrors(workbenchLog);
    return exitCode;
  } finally {
    const logFile = join(resultsDir, 'workbench.log');
    writeFileSync(logFile, workbenchLog.join('\n') + '\n');
    log(`logs: ${logFile}, ${join(resultsDir, 'code-server.log')}, ${join(resultsDir, 'vscode-logs')}`);
    await browser?.close().catch(() => {});
    await codeServer?.stop();
    screenshots.close();
  }
}

const ERRORS_SHOWN_ON_FAILURE = 30;

/** When the suite fails, the workbench's errors (extension host crash, activation failure) often say why. */
function printWorkbenchErrors(workbenchLog) {
  const errors = workbenchLog.filter((line) => line.startsWith('[error]')).slice(-ERRORS_SHOWN_ON_FAILURE);
  if (errors.length === 0) return;
  log(`last ${errors.length} workbench errors:`);
  for (const line of errors) process.stdout.write(`  ${line.split('\n').slice(0, 4).join('\n    ')}\n`);
}

/** Marks mocha's report lines among the workbench's log lines; set by test/integration/index.ts. */
const REPORT_PREFIX = '[asyncio-lens test] ';

/** The workbench's own log is long and mostly harmless noise (no extension gallery offline): only the report is shown. */
function printReportLine(message) {
  if (message.startsWith(REPORT_PREFIX)) process.stdout.write(`  ${message.slice(REPORT_PREFIX.length)}\n`);
}
