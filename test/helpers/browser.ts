import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from '../../infra/paths';

/** Debian's Chromium (installed by `npm test`'s set-up like Dovecot): playwright-core drives it, nothing is downloaded. */
export const chromiumPath = () => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `no Chromium at ${executablePath}: run \`npm test\` (it installs Debian's chromium), or \`apt-get install -y chromium\`, or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** One person's browser: their own cookies, a desktop window, English unless asked. */
export const newPersonContext = (browser: Browser, baseURL: string, locale = 'en-GB'): Promise<BrowserContext> =>
  browser.newContext({ baseURL, viewport: { width: 1280, height: 900 }, locale });

/** The screenshots of the main pages, written by the browser tests and shown in the README. */
export const SCREENSHOTS_DIR = join(projectRoot(), 'docs', 'screenshots');
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Where each axe-core run of a test run is recorded: page, path, violation count. */
export const AXE_SUMMARY = join(projectRoot(), '.data', 'axe-summary.jsonl');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core (WCAG 2.0 and 2.1, A and AA) in the page and fails on any violation.
 * axe is evaluated through the DevTools protocol, which the page's CSP (no inline
 * script) does not govern. The message names rules and selectors, never the page's text.
 */
export async function checkAccessible(page: Page, name: string): Promise<number> {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  // Browser-side code as text: this project compiles without the DOM's types.
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } }).then((r) =>
       r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
  );
  mkdirSync(join(projectRoot(), '.data'), { recursive: true });
  appendFileSync(
    AXE_SUMMARY,
    `${JSON.stringify({ page: name, path: new URL(page.url()).pathname, violations: violations.length, ids: violations.map((v) => v.id) })}\n`,
  );
  if (violations.length) {
    const lines = violations.map(
      (v) =>
        `  ${v.id} (${v.impact ?? '?'}): ${v.help} — at ${v.nodes
          .slice(0, 3)
          .map((n) => JSON.stringify(n.target))
          .join(', ')}`,
    );
    throw new Error(`axe-core: ${violations.length} WCAG 2.1 AA violation(s) on ${name}:\n${lines.join('\n')}`);
  }
  return 0;
}

/** Tabs from the top of the page until `selector` has the focus: the action can be reached with the keyboard alone. */
export async function tabTo(page: Page, selector: string, maxTabs = 250): Promise<void> {
  await page.evaluate('document.activeElement && document.activeElement.blur && document.activeElement.blur()');
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate<boolean>(`!!(document.activeElement && document.activeElement.matches(${JSON.stringify(selector)}))`)) return;
  }
  throw new Error(`${selector} was not reached with ${maxTabs} presses of Tab`);
}

/**
 * Errors the page reports: a script error, or a refusal by its Content-Security-Policy (a
 * test asserts there are none). A 4xx answer's "failed to load" line is the page itself.
 */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of 4')) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** What signing in through the console's form needs of a test account. */
export interface BrowserAccount {
  readonly id: string;
  readonly password: string;
}

/**
 * Signs in through the sign-in page with the keyboard alone (Tab to each field, type,
 * Enter), as a person without a mouse would; `code` gives an unused second-factor code.
 */
export async function signInWithKeyboard(page: Page, account: BrowserAccount, code: string): Promise<void> {
  if (new URL(page.url()).pathname !== '/sign-in') await page.goto('/sign-in');
  await tabTo(page, '#f-account');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(account.id);
  await page.keyboard.press('Tab');
  await page.keyboard.type(account.password);
  await page.keyboard.press('Tab');
  await page.keyboard.type(code);
  await submitWith(page, () => page.keyboard.press('Enter'));
}

/** Sends a form by `act` (a key press, a click) and waits until the page it leads to has loaded. */
export async function submitWith(page: Page, act: () => Promise<void>): Promise<void> {
  // The document the form leads to (after any redirect) fires one load event.
  const loaded = page.waitForEvent('load');
  await act();
  await loaded;
}

/**
 * Fills a form of the page and sends it with the keyboard alone: Tab to each field, type
 * (a select takes its option by keyboard selection), Tab to its button, Enter.
 */
export async function sendForm(page: Page, form: string, fields: Readonly<Record<string, string>> = {}): Promise<void> {
  for (const [name, value] of Object.entries(fields)) {
    const selector = `${form} [name="${name}"]`;
    await tabTo(page, selector);
    if ((await page.locator(selector).evaluate((e) => (e as { tagName: string }).tagName)) === 'SELECT') {
      await page.locator(selector).selectOption(value);
    } else {
      await page.keyboard.press('Control+A');
      await page.keyboard.type(value);
    }
  }
  await tabTo(page, `${form} button[type=submit]`);
  await submitWith(page, () => page.keyboard.press('Enter'));
}
