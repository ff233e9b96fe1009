import type { Browser } from 'playwright-core';
import { TestService } from '../helpers/cli';
import { uniqueId } from '../helpers/services';
import { checkAccessible, launchBrowser, newPersonContext, pageErrors, screenshot, signInWithKeyboard } from '../helpers/browser';

/** The sign-in page in a real browser: both languages accessible, keyboard-only sign-in, no script or CSP errors. */
describe('console in Chromium - sign-in', () => {
  let browser: Browser;
  let service: TestService;
  beforeAll(async () => {
    service = new TestService(uniqueId('tq-console'));
    await service.start();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('sign-in - accessible in English and Dutch; a coordinator signs in with the keyboard alone; a wrong code says so without detail', async () => {
    const context = await newPersonContext(browser, service.url);
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto('/sign-in');
    expect(await page.title()).toBe('Sign in · Erasure console');
    await checkAccessible(page, 'sign-in (en)');
    await screenshot(page, 'sign-in');
    await page.goto('/sign-in?lang=nl');
    expect(await page.locator('h1').textContent()).toBe('Aanmelden');
    await checkAccessible(page, 'sign-in (nl)');
    await page.goto('/sign-in?lang=en');

    const cora = service.account('cora');
    await signInWithKeyboard(page, { id: cora.id, password: 'not-the-password' }, await service.code('cora'));
    expect(await page.locator('[role=alert]').textContent()).toContain('The account name, password or code is not right');
    await checkAccessible(page, 'sign-in refused');

    await signInWithKeyboard(page, cora, await service.code('cora'));
    expect(new URL(page.url()).pathname).toBe('/');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'erasure-session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(errors).toEqual([]);
    await context.close();
  });
});
