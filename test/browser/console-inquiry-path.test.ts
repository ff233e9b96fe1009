import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { seedPerson, type SeededPerson } from '../helpers/fixtures';
import { startTestMailServer, type TestMailServer } from '../helpers/mail';
import { TestService, storageFolders } from '../helpers/cli';
import { eventually, openDatabases, policyIn, testServices, uniqueId, type Databases } from '../helpers/services';
import { bundleWorkflows, realPurgeRunActivities, withWorker } from '../helpers/worker';
import { checkAccessible, launchBrowser, newPersonContext, pageErrors, screenshot, sendForm, signInWithKeyboard, tabTo } from '../helpers/browser';

const CONSULTATION_SECONDS = 12;

/**
 * The whole inquiry path in the console, in a real browser, each person in their own
 * browser context: an e-mail in the inbox → registered → consent and identity → the
 * screened consultation → the explanation previewed and sent → a purge run approved by a
 * second privacy officer after the first is refused → the deletion certificate.
 */
describe('console in Chromium - the inquiry path, from the e-mail to the certificate', () => {
  let dir: string;
  let dbs: Databases;
  let service: TestService;
  let bundle: WorkflowBundleWithSourceMap;
  let browser: Browser;
  let mail: TestMailServer;
  const taskQueue = uniqueId('tq-console-path');
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'erasure-console-'));
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, 'maildir', sub), { recursive: true });
    dbs = openDatabases();
    bundle = await bundleWorkflows();
    service = new TestService(taskQueue, { ...storageFolders(dir), ERASURE_CONSULTATION_VIEW_SECONDS: String(CONSULTATION_SECONDS) });
    await service.start();
    browser = await launchBrowser();
    mail = await startTestMailServer();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await mail?.stop();
    await service?.stop();
    await dbs?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One person's own browser, signed in through the form with the keyboard. */
  async function personIn(name: string, locale = 'en-GB'): Promise<{ page: Page; errors: string[] }> {
    const context = await newPersonContext(browser, service.url, locale);
    contexts.push(context);
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto('/sign-in?lang=en');
    await signInWithKeyboard(page, service.account(name), await service.code(name));
    return { page, errors };
  }
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const notice = (page: Page) => page.locator('.notice').first().innerText();

  /** A record due now whose requester's inquiry e-mail arrived before the cutoff: it opens the inquiry path. */
  async function dueRecordWithInquiryMail(): Promise<{ recordId: string; dossier: string; person: SeededPerson; email: string; messageFile: string }> {
    const policy = { ...policyIn(-60_000, -30_000), objectionPeriod: '5s' };
    expect((await service.run(['policy', 'add', write(`${policy.version}.json`, JSON.stringify(policy))])).code).toBe(0);
    const person = await seedPerson(dbs.caseAdmin);
    const dossier = uniqueId('D');
    const recordId = `${dossier}-R1`;
    const inventory = write(
      `${dossier}.csv`,
      `record_id,dossier,subject_ref,locations\n${recordId},${dossier},${person.personId},case-admin:persons/${person.personId}\n`,
    );
    expect((await service.run(['import', inventory, '--policy', policy.version])).code).toBe(0);
    const email = `${uniqueId('requester')}@test.invalid`;
    const arrived = Math.floor((Date.now() - 10 * 60_000) / 1000);
    const messageId = `${uniqueId('inquiry')}@mail.test.invalid`;
    const messageFile = join(dir, 'maildir', 'new', `${arrived}.M1P1.mail.test.invalid`);
    writeFileSync(
      messageFile,
      [
        `From: Requester <${email}>`,
        'To: privacy@body.test.invalid',
        'Subject: Inzageverzoek',
        `Message-ID: <${messageId}>`,
        `Date: ${new Date(arrived * 1000).toUTCString()}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        `Ik wil weten welke gegevens u over mij had. ${person.fullName}, ${person.residence}.`,
        '',
      ].join('\r\n'),
    );
    // Another person's inquiry, after the cutoff: shown as such, with the letter to send.
    const late = Math.floor(Date.now() / 1000);
    writeFileSync(
      join(dir, 'maildir', 'new', `${late}.M2P1.mail.test.invalid`),
      [`From: Late <late-${email}>`, 'Subject: Verzoek', `Message-ID: <late-${messageId}>`, '', 'Wat had u over mij?', ''].join('\r\n'),
    );
    return { recordId, dossier, person, email, messageFile };
  }

  it('inquiry path - coordinator, screened reviewer and two privacy officers, each in their own browser; axe-core finds nothing on any page', async () => {
    const started = Date.now();
    const { recordId, dossier, person, email, messageFile } = await dueRecordWithInquiryMail();
    await withWorker(
      bundle,
      realPurgeRunActivities(dbs, dir, mail.url, { maildir: join(dir, 'maildir') }),
      async () => {
        expect((await service.run(['start', '--dossier', dossier])).code).toBe(0);

        // The coordinator: the message in the inbox, read, registered from the message itself.
        const cora = await personIn('cora');
        await checkAccessible(cora.page, 'dashboard');
        await screenshot(cora.page, 'dashboard');
        await cora.page.goto('/inbox');
        expect(await cora.page.locator('main tbody tr').count()).toBe(2);
        expect(await cora.page.locator('main tbody tr.overdue').innerText()).toContain('after the cutoff');
        await checkAccessible(cora.page, 'inbox');
        await screenshot(cora.page, 'inbox');
        await cora.page.locator('main tbody tr.overdue a').click();
        await cora.page.waitForLoadState('load');
        expect(await cora.page.locator('main').innerText()).toContain('Received after the cutoff');
        await sendForm(cora.page, 'form.filter', { language: 'en' });
        expect(await cora.page.locator('pre.letter[lang=en]').innerText()).toContain('after the period\nfor inquiries closed');
        await checkAccessible(cora.page, 'inbox message after the cutoff');
        await screenshot(cora.page, 'inbox-late');
        await cora.page.goto('/inbox');
        await cora.page.locator('main table a').first().click();
        await cora.page.waitForLoadState('load');
        expect(await cora.page.locator('pre.letter').first().innerText()).toContain('Ik wil weten');
        expect(await cora.page.title()).toBe('Inquiry message · Erasure console');
        expect(await cora.page.inputValue('#f-email')).toBe(email);
        await checkAccessible(cora.page, 'inbox message');
        await screenshot(cora.page, 'inbox-message');
        await sendForm(cora.page, 'form[action$="/register"]', { name: person.fullName, residence: person.residence, language: 'en' });
        expect(new URL(cora.page.url()).pathname).toMatch(/^\/inquiries\/[0-9a-f-]{36}$/);
        const inquiryUrl = new URL(cora.page.url()).pathname;
        await eventually('the inquiry linked to the record', async () => {
          await cora.page.reload();
          return (await cora.page.locator('main').innerText()).includes(recordId) ? true : undefined;
        });
        await checkAccessible(cora.page, 'inquiry');
        await screenshot(cora.page, 'inquiry');
        // Registered: no longer in the inbox; no file of personal data was written (only the message itself is in the folder).
        await cora.page.goto('/inbox');
        expect(await cora.page.locator('main tbody tr').count()).toBe(1);
        expect(await cora.page.locator('main tbody tr').innerText()).toContain('after the cutoff');
        expect(readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('test-policy'))).toEqual([]);

        // Consent and identity: each a form of the actions allowed now.
        await cora.page.goto(`/records/${recordId}`);
        expect(await cora.page.locator('main').innerText()).toContain('awaiting consent');
        expect(await cora.page.locator(`form[action="/records/${recordId}/confirmIdentity"]`).count()).toBe(0);
        await sendForm(cora.page, `form[action="/records/${recordId}/recordConsent"]`, { consent: 'given' });
        expect(await notice(cora.page)).toContain('Done');
        await checkAccessible(cora.page, 'record (identity check)');
        await sendForm(cora.page, `form[action="/records/${recordId}/confirmIdentity"]`, { method: 'in-person-document', reference: 'BALIE-2026-0117' });
        expect(await notice(cora.page)).toContain('identity confirmed (in-person-document, reference BALIE-2026-0117)');
        expect(await cora.page.locator('main').innerText()).toContain('In person, with an identity document, BALIE-2026-0117');
        await screenshot(cora.page, 'record');
        // The coordinator is offered no consultation (screened reviewers only).
        expect(await cora.page.locator(`form[action="/records/${recordId}/consult"]`).count()).toBe(0);

        // The screened reviewer: the consultation, logged first, watermarked, never cached, empty after its time.
        const rev = await personIn('rev');
        await rev.page.goto(`/records/${recordId}`);
        // A wrong role sees no action it may not take, and gets 403 when it forges the form with its own token.
        expect(await rev.page.locator('form[action*="/recordConsent"], form[action*="/confirmIdentity"], form[action*="/placeHold"]').count()).toBe(0);
        const forged = await rev.page.evaluate<number>(
          `(async () => {
            const token = document.querySelector('input[name=_csrf]').value;
            const r = await fetch(${JSON.stringify(`/records/${recordId}/placeHold`)}, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, reference: 'HOLD-1', reason: 'forged form' }) });
            return r.status;
          })()`,
        );
        expect(forged).toBe(403);
        await sendForm(rev.page, `form[action="/records/${recordId}/consult"]`, { purpose: 'explanation to the requester' });
        // Personal data: the second factor again first; the form goes on to the consultation after it.
        expect(await rev.page.title()).toBe('Confirm it is you · Erasure console');
        expect(await dbs.registry.query('SELECT 1 FROM access_log WHERE record_id = $1', [recordId])).toMatchObject({ rowCount: 0 });
        await checkAccessible(rev.page, 'step-up');
        const consulted = rev.page.waitForResponse((r) => r.url().endsWith(`/records/${recordId}/consult`) && r.status() === 200);
        await sendForm(rev.page, 'form[action="/step-up"]', { code: await service.code('rev') });
        const response = await consulted;
        expect(response.headers()['cache-control']).toContain('no-store');
        expect(await rev.page.title()).toBe('Consultation · Erasure console');
        expect(rev.page.url()).not.toContain(person.fullName.split(' ')[0] as string);
        const view = await rev.page.locator('.watermark').innerText();
        expect(view).toContain(person.fullName);
        expect(view).toContain(`Consulted by ${service.account('rev').id}`);
        const logged = await dbs.registry.query('SELECT 1 FROM access_log WHERE record_id = $1 AND action = $2', [recordId, 'consult']);
        expect(logged.rowCount).toBe(1);
        await checkAccessible(rev.page, 'consultation');
        await screenshot(rev.page, 'consultation');
        await rev.page.waitForSelector('[data-expired=true]', { timeout: (CONSULTATION_SECONDS + 10) * 1000 });
        expect(await rev.page.locator('main').innerText()).not.toContain(person.fullName);

        // The explanation: previewed exactly as it will be sent, in the requester's language, then sent.
        await rev.page.goto(`/records/${recordId}`);
        await sendForm(rev.page, `form[action="/records/${recordId}/explanation"]`, { language: 'en' });
        const preview = await rev.page.locator('pre.letter').innerText();
        const subject = await rev.page.locator('dl.facts dd').first().innerText();
        expect(subject).toBe(`Your inquiry ${inquiryUrl.split('/').at(-1) ?? ''}: what was processed about you`);
        await checkAccessible(rev.page, 'explanation preview');
        await screenshot(rev.page, 'explanation-preview');
        await sendForm(rev.page, `form[action="/records/${recordId}/sendExplanation"]`);
        expect(await notice(rev.page)).toContain('explanation-sent');
        const sent = await mail.waitFor(email, /what was processed about you/);
        expect(sent.subject).toBe(subject);
        // The same letter; only the end of the objection period counts from the moment of sending.
        const withoutDate = (text: string) => text.replace(/until .*? \(the objection period\)/s, 'until … (the objection period)').trim();
        expect(withoutDate(sent.text ?? '')).toBe(withoutDate(preview));

        // Four eyes: the privacy officer who starts a run cannot approve its wave; another can.
        const otto = await personIn('otto');
        await eventually('the objection period ended: the record is due', async () => {
          await otto.page.goto(`/records/${recordId}`);
          return (await otto.page.locator('dl.facts').innerText()).includes('due') ? true : undefined;
        });
        await otto.page.goto('/purge');
        await checkAccessible(otto.page, 'purge runs');
        await sendForm(otto.page, 'form#dry-run', { dossier });
        await eventually('the dry run report', async () =>
          (await otto.page.locator('main').innerText()).includes('What would be destroyed') ? true : undefined,
        );
        expect(await otto.page.locator('main').innerText()).toContain(recordId);
        await checkAccessible(otto.page, 'dry run');
        await screenshot(otto.page, 'purge-dry-run');
        await otto.page.goto('/purge');
        await sendForm(otto.page, 'form#start-run', { dossier });
        const runPath = new URL(otto.page.url()).pathname;
        expect(runPath).toMatch(/^\/purge\/runs\/purge-run-manual-/);
        await eventually('wave 1 awaits approval', async () => {
          await otto.page.goto(runPath);
          return (await otto.page.locator('form#approve-wave').count()) ? true : undefined;
        });
        await sendForm(otto.page, 'form#approve-wave');
        expect(await notice(otto.page)).toContain('Refused');
        expect(await notice(otto.page)).toContain(service.account('otto').id);
        await checkAccessible(otto.page, 'purge run refused');
        const olga = await personIn('olga');
        await olga.page.goto(runPath);
        await screenshot(olga.page, 'purge-run-awaiting-approval');
        await sendForm(olga.page, 'form#approve-wave');
        expect(await notice(olga.page)).toContain(`approved by ${service.account('olga').id}`);
        // Live progress: the page follows the run until its report replaces the progress.
        await olga.page.waitForSelector('#run-progress:not([data-poll])', { timeout: 120_000 });
        expect(await olga.page.locator('#run-progress').innerText()).toMatch(/Erased and certified\s+1/);
        await checkAccessible(olga.page, 'purge run report');
        await screenshot(olga.page, 'purge-run-report');

        // The certificate: its page verifies it and names how the identity was established.
        await olga.page.goto('/certificates');
        await olga.page.locator('tr', { hasText: recordId }).locator('a').click();
        await olga.page.waitForLoadState('load');
        const certificate = await olga.page.locator('main').innerText();
        expect(certificate).toContain('The body matches its SHA-256 hash.');
        expect(certificate).toMatch(/The Ed25519 signature verifies with key/);
        expect(certificate).toContain('"method": "in-person-document"');
        expect(certificate).not.toContain(person.fullName);
        await checkAccessible(olga.page, 'certificate');
        await screenshot(olga.page, 'certificate');
        const download = olga.page.waitForEvent('download');
        await tabTo(olga.page, 'form#export-json button');
        await olga.page.keyboard.press('Enter');
        expect((await download).suggestedFilename()).toBe(`${recordId}.certificate.json`);

        // "Was this person's data destroyed?": name and residence in the form body, never in the address.
        await olga.page.goto('/certificates');
        await sendForm(olga.page, 'form[action="/certificates/lookup"]', {
          name: person.fullName,
          residence: person.residence,
          purpose: 'question from the requester',
        });
        expect(new URL(olga.page.url()).search).toBe('');
        expect(await olga.page.locator('main').innerText()).toMatch(new RegExp(`${recordId}\\s+dossier ${dossier}\\s+destroyed`));
        await checkAccessible(olga.page, 'certificates');
        await screenshot(olga.page, 'certificates');
        await olga.page.goto('/report');
        expect(await olga.page.locator('svg').count()).toBeGreaterThan(0);
        await checkAccessible(olga.page, 'report');
        await screenshot(olga.page, 'report');
        await olga.page.goto('/logs/access');
        expect(await olga.page.locator('main').innerText()).toContain('explanation to the requester');
        await checkAccessible(olga.page, 'access log');
        await olga.page.goto('/logs/security');
        await checkAccessible(olga.page, 'security log');

        // The requester is told, and the inquiry e-mail goes with the inquiry.
        await mail.waitFor(email, /your data has been destroyed/);
        await eventually('the inquiry e-mail erased with the inquiry', async () => (existsSync(messageFile) ? undefined : true), 120_000);
        for (const p of [cora, rev, otto, olga]) expect(p.errors).toEqual([]);
      },
      testServices().temporalAddress,
      taskQueue,
    );
    console.log(`inquiry path in the browser: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('a wrong role - the page is refused, and a forged form with its own token gets 403', async () => {
    const { page } = await personIn('rev');
    await page.goto('/accounts');
    expect(await page.locator('h1').innerText()).toBe('Not for your role');
    await checkAccessible(page, 'not for your role');
    await page.goto('/');
    expect(await page.locator('nav').innerText()).not.toContain('Accounts');
    const status = await page.evaluate<number>(
      `(async () => {
        const token = document.querySelector('input[name=_csrf]').value;
        const r = await fetch('/accounts/add', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: token, id: 'forged', role: 'administrator' }) });
        return r.status;
      })()`,
    );
    expect(status).toBe(403);
    const { rows } = await dbs.registry.query("SELECT 1 FROM accounts WHERE id = 'forged'");
    expect(rows).toEqual([]);
  });

  it('an expired session - the next page is the sign-in, without the data of the page asked for', async () => {
    const { page } = await personIn('cora', 'nl-NL');
    await page.goto('/records');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await dbs.registry.query("UPDATE sessions SET last_seen_at = now() - interval '1 day' WHERE account_id = $1 AND ended_at IS NULL", [
      service.account('cora').id,
    ]);
    await page.goto('/records');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.locator('[role=alert]').innerText()).toContain('Your session has ended');
    expect(await page.locator('main').innerText()).not.toMatch(/-R1/);
    await checkAccessible(page, 'sign-in after the session ended');
  });

  it('the administrator - accounts: create shows the secret once, disable; the Dutch pages pass axe-core too', async () => {
    const { page } = await personIn('ada', 'nl-NL');
    expect(new URL(page.url()).pathname).toBe('/accounts');
    await checkAccessible(page, 'accounts');
    await screenshot(page, 'accounts');
    const id = uniqueId('reviewer');
    await sendForm(page, 'form[action="/accounts/add"]', { id, role: 'screened-reviewer' });
    expect(await page.locator('pre.letter').innerText()).toMatch(/password\s+\S{12,}/);
    await page.goto('/accounts');
    await sendForm(page, `form#disable-${id.replace(/\./g, '\\.')}`);
    expect(await notice(page)).toContain(`account ${id} disabled`);
    await page.locator('select#f-ui-language').selectOption('nl');
    await sendForm(page, 'form[action="/language"]');
    expect(await page.locator('h1').innerText()).toBe('Accounts');
    expect(await page.locator('html').getAttribute('lang')).toBe('nl');
    await checkAccessible(page, 'accounts (nl)');
    await page.goto('/logs/security');
    await checkAccessible(page, 'security log (nl)');
  });
});
