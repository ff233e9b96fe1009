import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ImapFlow } from 'imapflow';
import { doveadmClient, DoveadmRefusedError, DoveadmUnavailableError } from '../../activities/storage/doveadm-client';
import { imapMailboxAdapter } from '../../activities/storage/imap';
import { maildirAdapter } from '../../activities/storage/maildir';
import { startDovecot, type DovecotServer } from '../../infra/dovecot';
import { freePort } from '../../infra/free-port';
import { imapMailbox, messageKey } from '../../console/mailbox';

const message = (messageIdHeader: string, subject: string, from = 'requester@example.invalid') =>
  [
    messageIdHeader,
    `From: Requester <${from}>`,
    `Subject: ${subject}`,
    'Date: Tue, 12 Mar 2024 09:30:00 +0100',
    '',
    'Which data do you hold about me?',
    '',
  ].join('\r\n');

describe('mailbox adapter - a real IMAP server (Dovecot)', () => {
  let dir: string;
  let server: DovecotServer;
  const adapter = (extra: { password?: string; port?: number; doveadm?: boolean; apiKey?: string } = {}) =>
    imapMailboxAdapter({
      host: server.host,
      port: extra.port ?? server.port,
      secure: false,
      user: server.user,
      password: extra.password ?? server.password,
      ...(extra.doveadm ? { doveadm: { url: server.doveadm!.url, apiKey: extra.apiKey ?? server.doveadm!.apiKey } } : {}),
    });

  /** Every file of the user's mail directory (Maildir, indexes, caches, logs) holding one of `needles`, read as bytes. */
  const filesHolding = (...needles: string[]): string[] => {
    const home = join(server.maildir, '..');
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    return walk(home)
      .filter((file) => needles.some((n) => readFileSync(file).includes(Buffer.from(n))))
      .map((file) => relative(home, file))
      .sort();
  };

  /** What a mail client does when it lists a mailbox: Dovecot caches the headers it is asked for. */
  const readLikeAMailClient = () =>
    asMailUser(async (client) => {
      for (const mailbox of ['INBOX', 'Archive']) {
        const lock = await client.getMailboxLock(mailbox);
        try {
          if (client.mailbox && client.mailbox.exists > 0) await client.fetchAll('1:*', { envelope: true, headers: ['message-id', 'from'] });
        } finally {
          lock.release();
        }
      }
    });

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
    server = await startDovecot({ dir, user: 'inquiries', password: randomBytes(12).toString('hex'), doveadmHttp: true });
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
      scope: {
        removed: ['the messages with these Message-IDs in every selectable mailbox of the account (2), by IMAP UID EXPUNGE of exactly their UIDs'],
        notReached: expect.arrayContaining([expect.stringContaining('index caches (Dovecot: dovecot.index.cache in each mailbox folder)')]),
      },
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

  /** A message that must stay, beside the inquiry `id`: its id does not contain `id`. */
  const staying = (id: string) => id.replace('@', '.stays@');
  /** One inquiry, in INBOX and forwarded to Archive, beside a message that must stay; then read by a mail client. */
  const deliverAndRead = async (id: string, from: string) => {
    await asMailUser(async (client) => {
      await client.append('INBOX', message(`Message-ID: <${id}>`, 'Inquiry', from));
      await client.append('Archive', message(`Message-ID: <${id}>`, 'Fwd: Inquiry', from));
      await client.append('INBOX', message(`Message-ID: <${staying(id)}>`, 'Someone else', 'someone-else@example.invalid'));
    });
    await readLikeAMailClient();
    expect(filesHolding(id, from)).toEqual(expect.arrayContaining(['Maildir/.Archive/dovecot.index.cache', 'Maildir/dovecot.index.cache']));
    expect(filesHolding(id, from).filter((f) => f.includes('/cur/'))).toHaveLength(2);
    return [`message-id:${id}`];
  };
  const caches = ['Maildir/.Archive/dovecot.index.cache', 'Maildir/dovecot.index.cache'];
  const expunged = 'the messages with these Message-IDs in every selectable mailbox of the account (2), by IMAP UID EXPUNGE of exactly their UIDs';

  it("erase - without doveadm - the message files are gone but Dovecot's index caches keep their Message-ID and sender, and the scope says so", async () => {
    const [id, from] = ['kept-in-cache.17@mail.example.org', 'requester-kept@example.invalid'];
    const locators = await deliverAndRead(id, from);

    const erased = await adapter().erase(locators);
    expect(erased).toMatchObject({ method: 'imap-uid-expunge', removed: { messages: 2 }, scope: { removed: [expunged] } });
    expect(erased.scope.notReached).toContainEqual(
      expect.stringContaining(
        'index caches (Dovecot: dovecot.index.cache in each mailbox folder), which keep headers of expunged messages, such as Message-ID and From',
      ),
    );
    await expect(adapter().verifyErased(locators)).resolves.toMatchObject({
      verified: true,
      checked: ["IMAP SEARCH HEADER Message-ID in every selectable mailbox of the account (2), each hit's Message-ID compared exactly"],
    });
    // The limitation, as it is on disk: "verified empty" over IMAP, and yet both headers remain in both caches.
    expect(filesHolding(id)).toEqual(caches);
    expect(filesHolding(from)).toEqual(caches);
  });

  it("erase - with doveadm - purges the searched mailboxes' index caches: no file of the mail directory holds the Message-ID or the sender; again purges again", async () => {
    const [id, from] = ['purged-from-cache.17@mail.example.org', 'requester-purged@example.invalid'];
    const locators = await deliverAndRead(id, from);
    const imap = adapter({ doveadm: true });

    const erased = await imap.erase(locators);
    expect(erased).toMatchObject({ method: 'imap-uid-expunge-then-doveadm-cache-purge', removed: { messages: 2 } });
    expect(erased.scope.removed).toEqual([
      expunged,
      'their headers in the index caches of those 2 mailbox(es), by doveadm mailbox cache purge after the expunge (each purge answered success)',
    ]);
    expect(erased.scope.notReached.join('\n')).not.toContain('index cache');
    expect(erased.scope.notReached).toContainEqual("the mail server's own backups, replicas and snapshots");
    expect(filesHolding(id, from)).toEqual([]);
    // The other message, and what Dovecot caches of it, stay.
    expect(filesHolding(staying(id)).filter((f) => f.includes('/cur/'))).toHaveLength(1);
    await expect(imap.locate([`message-id:${staying(id)}`])).resolves.toEqual({ system: 'mailbox', present: { messages: 1 } });
    const verified = await imap.verifyErased(locators);
    expect(verified).toMatchObject({ verified: true, remaining: { messages: 0 } });
    expect(verified.checked).toContainEqual(expect.stringContaining('not read back: the index caches'));

    await expect(imap.erase(locators)).resolves.toMatchObject({ removed: { messages: 0 }, scope: { removed: erased.scope.removed } });
    expect(filesHolding(id, from)).toEqual([]);
  });

  it('erase - doveadm refuses the API key - fails naming ERASURE_DOVEADM_API_KEY and claims nothing; the retry with the right key purges what the first attempt expunged', async () => {
    const [id, from] = ['retried-purge.17@mail.example.org', 'requester-retried@example.invalid'];
    const locators = await deliverAndRead(id, from);
    const failed = adapter({ doveadm: true, apiKey: 'not-the-key' }).erase(locators);
    await expect(failed).rejects.toBeInstanceOf(DoveadmRefusedError);
    await expect(failed).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      failure: { command: 'mailboxCachePurge', status: 401 },
      message: `doveadm at ${new URL(server.doveadm!.url).host} refused the API key (HTTP 401): set ERASURE_DOVEADM_API_KEY to the server's doveadm_api_key`,
    });
    // The expunge happened, the purge did not: the caches still hold the headers, and no erasure result said otherwise.
    await expect(adapter().locate(locators)).resolves.toEqual({ system: 'mailbox', present: { messages: 0 } });
    expect(filesHolding(id, from)).toEqual(caches);

    await expect(adapter({ doveadm: true }).erase(locators)).resolves.toMatchObject({
      removed: { messages: 0 },
      method: 'imap-uid-expunge-then-doveadm-cache-purge',
    });
    expect(filesHolding(id, from)).toEqual([]);
  });

  it("doveadm client - an unknown mailbox, an unknown user, no server - fail with doveadm's exit code, retryable only where a retry can help", async () => {
    const doveadm = doveadmClient(server.doveadm!);
    const where = `doveadm at ${new URL(server.doveadm!.url).host}`;
    const gone = doveadm.purgeCaches(server.user, ['INBOX', 'Gone']);
    await expect(gone).rejects.toBeInstanceOf(DoveadmUnavailableError);
    await expect(gone).rejects.toMatchObject({
      code: 'DOVEADM_UNAVAILABLE',
      failure: { command: 'mailboxCachePurge', status: 200, type: 'exitCode', exitCode: 68, mailbox: 'Gone' },
      message: `${where}: mailboxCachePurge of mailbox "Gone" failed (exitCode 68)`,
    });
    await expect(doveadm.purgeCaches('nobody-here', ['INBOX'])).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      failure: { exitCode: 67 },
      message: `${where} knows no user "nobody-here": the user of ERASURE_IMAP_URL must be the name doveadm finds in the userdb`,
    });
    const closed = await freePort();
    await expect(doveadmClient({ url: `http://127.0.0.1:${closed}`, apiKey: 'k' }).purgeCaches(server.user, ['INBOX'])).rejects.toMatchObject({
      code: 'DOVEADM_UNAVAILABLE',
      message: `doveadm at 127.0.0.1:${closed}: mailboxCachePurge could not be sent (ECONNREFUSED)`,
    });
    await expect(doveadm.purgeCaches(server.user, ['INBOX', 'Archive'])).resolves.toBeUndefined();
  });

  it("console inbox - the INBOX's messages, each arrived at its INTERNALDATE (not its Date header), opened by the key in its URL", async () => {
    const arrived = new Date('2026-11-30T08:15:00Z');
    await asMailUser(async (client) => {
      await client.append('INBOX', message('Message-ID: <Inbox-1@mail.example.org>', 'Inzageverzoek', 'asker@example.invalid'), [], arrived);
      await client.append('Archive', message('Message-ID: <archived@mail.example.org>', 'Old'));
    });
    const inbox = imapMailbox({ host: server.host, port: server.port, secure: false, user: server.user, password: server.password });
    const listed = await inbox.list();
    expect(listed).toEqual([{ key: messageKey('inbox-1@mail.example.org'), messageId: 'inbox-1@mail.example.org', arrivedAt: arrived }]);
    const opened = await inbox.open(listed[0]!.key);
    expect(opened).toMatchObject({ from: { address: 'asker@example.invalid', name: 'Requester' }, subject: 'Inzageverzoek', arrivedAt: arrived });
    expect(opened?.text).toContain('Which data do you hold about me?');
    await expect(inbox.open(messageKey('archived@mail.example.org'))).resolves.toBeUndefined();
  });

  it('locate - wrong password or no server - fails naming the server and what failed', async () => {
    const where = `${server.host}:${server.port}`;
    await expect(adapter({ password: 'wrong' }).locate(['message-id:a@b.example'])).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: `IMAP server ${where}: logging in as ${server.user} failed (the server refused the credentials)`,
    });
    const closed = await freePort();
    await expect(adapter({ port: closed }).locate(['message-id:a@b.example'])).rejects.toThrow(
      `IMAP server ${server.host}:${closed}: connecting failed (ECONNREFUSED`,
    );
    await expect(adapter().locate(['INBOX/17'])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
