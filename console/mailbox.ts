import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { headerFields, normalisedMessageId } from '../activities/storage/message-id';
import { imapClient, type ImapMailboxOptions } from '../activities/storage/imap';
import { storageOptions } from '../infra/storage-options';
import type { Config } from '../schemas/config';

/** A message in the inquiry mailbox, as the inbox lists it: its key (a hash of its Message-ID, fit for a URL), id and arrival. */
export interface MailboxMessage {
  readonly key: string;
  readonly messageId: string;
  /** When the mailbox received it: it decides whether the inquiry came before the cutoff. */
  readonly arrivedAt: Date;
}

/** A message opened: its sender, subject and text, for the coordinator to read. */
export interface OpenedMessage extends MailboxMessage {
  readonly from: { readonly address: string; readonly name: string } | undefined;
  readonly subject: string;
  readonly text: string;
}

/** The inquiry mailbox the console reads: the configured Maildir or IMAP server (docs/ARCHITECTURE.md, "The console"). */
export interface InquiryMailbox {
  list(): Promise<MailboxMessage[]>;
  open(key: string): Promise<OpenedMessage | undefined>;
}

/** The key of a message in URLs: never its Message-ID (which may hold a name), a hash of it. */
export const messageKey = (messageId: string): string => createHash('sha256').update(messageId).digest('hex').slice(0, 32);

/** Enough of the file for the headers. */
const HEAD_BYTES = 64 * 1024;

/**
 * The Maildir's inbox (new/ and cur/ of its root): a message arrived at the time in its
 * file name (`<seconds>.<unique>.<host>`, as every delivery agent writes it), or else
 * when the file was written.
 */
export function maildirMailbox(root: string): InquiryMailbox {
  const files = async () => {
    const found: { path: string; messageId: string; arrivedAt: Date }[] = [];
    for (const sub of ['new', 'cur']) {
      const dir = join(root, sub);
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (!entry.isFile()) continue;
        const path = join(dir, entry.name);
        const head = (await readFile(path)).subarray(0, HEAD_BYTES).toString('latin1');
        const messageId = normalisedMessageId(headerFields(head).get('message-id'));
        if (!messageId) continue;
        const seconds = /^(\d{9,11})\./.exec(entry.name)?.[1];
        const arrivedAt = seconds ? new Date(Number(seconds) * 1000) : (await stat(path)).mtime;
        found.push({ path, messageId, arrivedAt });
      }
    }
    return found;
  };
  return {
    async list() {
      return (await files()).map((f) => ({ key: messageKey(f.messageId), messageId: f.messageId, arrivedAt: f.arrivedAt }));
    },
    async open(key) {
      const file = (await files()).find((f) => messageKey(f.messageId) === key);
      if (!file) return undefined;
      return opened({ key, messageId: file.messageId, arrivedAt: file.arrivedAt }, await readFile(file.path));
    },
  };
}

/** The IMAP server's INBOX: a message arrived at its INTERNALDATE (the server's own receipt time). */
export function imapMailbox(options: ImapMailboxOptions): InquiryMailbox {
  const session = async <T>(work: (client: ImapFlow) => Promise<T>): Promise<T> => {
    const client = imapClient(options);
    await client.connect();
    try {
      await client.mailboxOpen('INBOX', { readOnly: true });
      return await work(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  };
  const headers = async (client: ImapFlow) => {
    const found: { uid: number; messageId: string; arrivedAt: Date }[] = [];
    if (!client.mailbox || client.mailbox.exists === 0) return found;
    for await (const m of client.fetch('1:*', { uid: true, envelope: true, internalDate: true })) {
      const messageId = normalisedMessageId(m.envelope?.messageId);
      if (messageId && m.internalDate) found.push({ uid: m.uid, messageId, arrivedAt: new Date(m.internalDate) });
    }
    return found;
  };
  return {
    list: () =>
      session(async (client) => (await headers(client)).map((m) => ({ key: messageKey(m.messageId), messageId: m.messageId, arrivedAt: m.arrivedAt }))),
    open: (key) =>
      session(async (client) => {
        const found = (await headers(client)).find((m) => messageKey(m.messageId) === key);
        if (!found) return undefined;
        const message = await client.fetchOne(String(found.uid), { source: true }, { uid: true });
        if (!message || !message.source) return undefined;
        return opened({ key, messageId: found.messageId, arrivedAt: found.arrivedAt }, message.source);
      }),
  };
}

async function opened(message: MailboxMessage, source: Buffer): Promise<OpenedMessage> {
  const mail = await simpleParser(source, { skipHtmlToText: false, skipImageLinks: true, skipTextToHtml: true });
  const from = mail.from?.value[0];
  return {
    ...message,
    from: from?.address ? { address: from.address, name: from.name } : undefined,
    subject: mail.subject ?? '',
    text: (mail.text ?? '').slice(0, 20_000),
  };
}

/** The configured inquiry mailbox, or undefined when none is (the inbox then says how to set one). */
export function inquiryMailbox(config: Config): InquiryMailbox | undefined {
  const options = storageOptions(config);
  if (options.maildir) return maildirMailbox(options.maildir);
  if (options.imap) return imapMailbox(options.imap);
  return undefined;
}
