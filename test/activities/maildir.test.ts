import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maildirAdapter } from '../../activities/storage/maildir';

const message = (messageId: string, subject: string) =>
  [
    `Message-ID:\r\n <${messageId}>`,
    'From: Requester <requester@example.invalid>',
    `Subject: ${subject}`,
    'Date: Tue, 12 Mar 2024 09:30:00 +0100',
    '',
    'Which data do you hold about me?',
    '',
  ].join('\r\n');

describe('mailbox adapter - a real Maildir', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'maildir-'));
    for (const dir of ['cur', 'new', 'tmp', '.Archive/cur', '.Archive/new']) mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, 'cur', '1710235800.M1.host:2,S'), message('CAx+17=a@mail.example.org', 'Inquiry'));
    writeFileSync(join(root, '.Archive', 'cur', '1710235900.M2.host:2,S'), message('CAx+17=a@mail.example.org', 'Fwd: Inquiry'));
    writeFileSync(join(root, 'new', '1710236000.M3.host'), message('other@mail.example.org', 'Someone else'));
  });

  it('erase - the messages with a Message-ID, in every folder - removes them (folded header, any case) and nothing else; again removes nothing', async () => {
    const adapter = maildirAdapter(root);
    const locators = ['message-id:CAX+17=A@mail.example.org'];
    expect(adapter.checkLocator(locators[0]!)).toBeUndefined();
    expect(adapter.checkLocator('cur/1710235800.M1.host')).toContain('message-id:<id>@<host>');
    await expect(adapter.locate(locators)).resolves.toEqual({ system: 'mailbox', present: { messages: 2 } });
    const consulted = await adapter.consult(locators);
    expect(consulted.items.map((i) => i.fields.subject).sort()).toEqual(['Fwd: Inquiry', 'Inquiry']);
    expect(consulted.items[0]?.fields.text).toContain('Which data do you hold about me?');

    await expect(adapter.erase(locators)).resolves.toMatchObject({ method: 'maildir-unlink-and-fsync', removed: { messages: 2 } });
    expect(readdirSync(join(root, 'cur'))).toEqual([]);
    expect(readdirSync(join(root, '.Archive', 'cur'))).toEqual([]);
    expect(existsSync(join(root, 'new', '1710236000.M3.host'))).toBe(true);
    await expect(adapter.verifyErased(locators)).resolves.toMatchObject({ verified: true, remaining: { messages: 0 } });
    await expect(adapter.erase(locators)).resolves.toMatchObject({ removed: { messages: 0 } });
    await expect(adapter.findMissing([...locators, 'message-id:other@mail.example.org'])).resolves.toEqual(locators);
  });
});
