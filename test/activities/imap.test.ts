import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { imapMailboxAdapter } from '../../activities/storage/imap';
import { maildirAdapter } from '../../activities/storage/maildir';
import { startDovecot, type DovecotServer } from '../../infra/dovecot';
import { freePort } from '../../infra/free-port';

const message = (messageIdHeader: string, subject: string) =>
  [messageIdHeader, 'From: Requester <requester@example.invalid>', `Subject: ${subject}`, 'Date: Tue, 12 Mar 2024 09:30:00 +0100', '', 'Which data do you hold about me?', ''].join('\r\n');

describe('mailbox adapter - a real IMAP server (Dovecot)', () => {
  let dir: string;
  let server: DovecotServer;
  const adapter = (extra: { password?: string; port?: number } = {}) =>
    imapMailboxAdapter({ host: server.host, port: extra.port ?? server.port, secure: false, user: server.user, password: extra.password ?? server.password });

  /** A client of "someone else": the person who reads the mailbox. */
  const asMailUser = async <T>(work: (client: ImapFlow) => Promise<T>): Promise<T> => {
    const client = new ImapFlow({ host: server.host, port: server.port, secure: false, auth: { user: server.user, pass: server.password }, logger: false });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.logout();
    }
  };
  const uidsIn = (mailbox: string, query: Parameters<ImapFlow['search']>[0] = { all: true }) =>
    asMailUser(async (client) => {
      const lock = await client.getMailboxLock(mailbox, { readOnly: true });
      try {
        return await client.search(query, { uid: true });
      } finally {
        lock.release();
      }
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dovecot-'));
    server = await startDovecot({ dir, user: 'inquiries', password: randomBytes(12).toString('hex') });
    await asMailUser((client) => client.mailboxCreate('Archive'));
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await asMailUser(async (client) => {
      for (const mailbox of ['INBOX', 'Archive']) {
        const lock = await client.getMailboxLock(mailbox);
        try {
          if (client.mailbox && client.mailbox.exists > 0) await client.messageDelete('1:*');
        } finally {
          lock.release();
        }
      }
    });
  });

  it('erase - the messages with a Message-ID, in every mailbox - expunges them (folded header, any case) and nothing else; again removes nothing', async () => {
    await asMailUser(async (client) => {
      await client.append('INBOX', message('Message-ID:\r\n <CAx+17=a@mail.example.org>', 'Inquiry'), ['\\Seen']);
      await client.append('Archive', message('message-id: <cax+17=A@MAIL.example.org>', 'Fwd: Inquiry'));
      await client.append('INBOX', message('Message-ID: <other@mail.example.org>', 'Someone else'));
      // SEARCH HEADER matches substrings: this one contains the wanted id but is another message.
      await client.append('Archive', message('Message-ID: <re-CAx+17=a@mail.example.org>', 'Lookalike'));
    });
    const imap = adapter();
    const locators = ['message-id:CAX+17=A@mail.example.org'];
    expect(imap.checkLocator(locators[0]!)).toBeUndefined();
    expect(imap.checkLocator('INBOX/17')).toContain('message-id:<id>@<host>');
    await expect(imap.locate(locators)).resolves.toEqual({ system: 'mailbox', present: { messages: 2 } });
    expect(imap.categories({ messages: 2 })).toEqual([{ category: 'e-mails', count: 2 }]);
    const consulted = await imap.consult(locators);
    expect(consulted.items.map((i) => i.fields.subject).sort()).toEqual(['Fwd: Inquiry', 'Inquiry']);
    expect(consulted.items.map((i) => i.fields.mailbox).sort()).toEqual(['Archive', 'INBOX']);
    expect(consulted.items[0]?.fields.text).toContain('Which data do you hold about me?');
    expect(consulted.items[0]?.fields.from).toBe('Requester <requester@example.invalid>');

    await expect(imap.erase(locators)).resolves.toEqual({
      system: 'mailbox',
      method: 'imap-uid-expunge',
      locations: locators,
      found: {},
      removed: { messages: 2 },
    });
    expect(await uidsIn('INBOX')).toHaveLength(1);
    expect(await uidsIn('Archive')).toHaveLength(1);
    // What Dovecot keeps on disk agrees: the files are gone, the others are not.
    await expect(maildirAdapter(server.maildir).locate(locators)).resolves.toEqual({ system: 'mailbox', present: { messages: 0 } });
    await expect(maildirAdapter(server.maildir).locate(['message-id:other@mail.example.org', 'message-id:re-CAx+17=a@mail.example.org'])).resolves.toEqual({
      system: 'mailbox',
      present: { messages: 2 },
    });
    await expect(imap.verifyErased(locators)).resolves.toMatchObject({ verified: true, remaining: { messages: 0 } });
    await expect(imap.erase(locators)).resolves.toMatchObject({ removed: { messages: 0 } });
    await expect(imap.findMissing([...locators, 'message-id:other@mail.example.org'])).resolves.toEqual(locators);
  });

  it('erase - a mailbox with a message someone else flagged \\Deleted - expunges only ours', async () => {
    await asMailUser(async (client) => {
      await client.append('INBOX', message('Message-ID: <theirs@mail.example.org>', 'To be deleted later'), ['\\Deleted']);
      await client.append('INBOX', message('Message-ID: <ours@mail.example.org>', 'Inquiry'));
    });
    const locators = ['message-id:ours@mail.example.org'];

    await expect(adapter().erase(locators)).resolves.toMatchObject({ removed: { messages: 1 } });
    expect(await uidsIn('INBOX', { deleted: true })).toHaveLength(1);
    expect(await uidsIn('INBOX')).toHaveLength(1);
    await expect(adapter().findMissing(['message-id:theirs@mail.example.org', ...locators])).resolves.toEqual(locators);
  });

  it('locate - wrong password or no server - fails naming the server and what failed', async () => {
    const where = `${server.host}:${server.port}`;
    await expect(adapter({ password: 'wrong' }).locate(['message-id:a@b.example'])).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: `IMAP server ${where}: logging in as ${server.user} failed (the server refused the credentials)`,
    });
    const closed = await freePort();
    await expect(adapter({ port: closed }).locate(['message-id:a@b.example'])).rejects.toThrow(`IMAP server ${server.host}:${closed}: connecting failed (ECONNREFUSED`);
    await expect(adapter().locate(['INBOX/17'])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
