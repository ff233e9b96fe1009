import { open, readdir, readFile, unlink } from 'node:fs/promises';
import { syncDir } from './fsync';
import { join, relative, resolve } from 'node:path';
import { checkMessageIdLocator, headerFields, mailboxCategories, messageIdOf, normalisedMessageId } from './message-id';
import type { SystemErasure, SystemVerification } from '../../schemas/erasure';
import type { ConsultationSection, StorageAdapter, SystemLocation } from './adapter';

/** What unlinking message files leaves behind, as the certificate states it. */
const MAILDIR_REACH = {
  removed: ['the message files with these Message-IDs in cur/ and new/ of the Maildir and its Maildir++ folders, unlinked, each folder fsynced'],
  checked: ['the Message-ID header of every message file in cur/ and new/ of the Maildir and its Maildir++ folders, compared exactly'],
  notReached: [
    "a mail server's index caches in the Maildir folders (Dovecot: dovecot.index.cache), which keep headers of deleted messages, such as Message-ID and From, until the server purges them",
    'messages still being delivered (tmp/)',
    "the deleted files' file-system blocks, until overwritten, and file-system snapshots",
    'backups of the Maildir made outside this product',
    'copies outside this Maildir: forwards, replies and other mailboxes, which carry other Message-IDs',
  ],
} as const;

/**
 * The mailbox where the inquiries arrived, as a Maildir (Maildir++ sub-folders included):
 * messages are found by their Message-ID header and deleted from `cur/` and `new/`, with
 * the folder fsynced. Nothing outside the Maildir is read.
 */
export function maildirAdapter(rootDir: string): StorageAdapter {
  const root = resolve(rootDir);

  /** Every message file, with its Message-ID, in the root folder and the Maildir++ sub-folders (`.Name/`). */
  const index = async (): Promise<{ path: string; messageId: string | undefined }[]> => {
    const folders = [
      root,
      ...(await readdir(root, { withFileTypes: true }))
        .filter((d) => d.isDirectory() && d.name.startsWith('.') && d.name !== '..' && d.name !== '.')
        .map((d) => join(root, d.name)),
    ];
    const messages: { path: string; messageId: string | undefined }[] = [];
    for (const folder of folders) {
      for (const sub of ['cur', 'new']) {
        const dir = join(folder, sub);
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const entry of entries.filter((e) => e.isFile())) {
          const path = join(dir, entry.name);
          const head = await readHead(path);
          messages.push({ path, messageId: normalisedMessageId(headerFields(head).get('message-id')) });
        }
      }
    }
    return messages;
  };

  const matching = async (locators: readonly string[]) => {
    const wanted = new Map(locators.map((l) => [messageIdOf(l), l]));
    return (await index()).filter((m) => m.messageId !== undefined && wanted.has(m.messageId));
  };

  const count = async (locators: readonly string[]) => ({ messages: (await matching(locators)).length });

  return {
    system: 'mailbox',

    checkLocator: checkMessageIdLocator,

    async locate(locators): Promise<SystemLocation> {
      return { system: 'mailbox', present: await count(locators) };
    },

    async findMissing(locators): Promise<string[]> {
      const found = new Set((await matching(locators)).map((m) => m.messageId));
      return locators.filter((l) => !found.has(messageIdOf(l)));
    },

    async erase(locators): Promise<SystemErasure> {
      const found = await matching(locators);
      const dirs = new Set<string>();
      for (const message of found) {
        await unlink(message.path).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
        dirs.add(join(message.path, '..'));
      }
      for (const dir of dirs) await syncDir(dir);
      return {
        system: 'mailbox',
        method: 'maildir-unlink-and-fsync',
        locations: [...locators],
        found: {},
        removed: { messages: found.length },
        scope: { removed: MAILDIR_REACH.removed, notReached: MAILDIR_REACH.notReached },
      };
    },

    async verifyErased(locators): Promise<SystemVerification> {
      const remaining = await count(locators);
      return { system: 'mailbox', verified: remaining.messages === 0, remaining, checked: MAILDIR_REACH.checked, checkedAt: new Date().toISOString() };
    },

    categories: mailboxCategories,

    async consult(locators): Promise<ConsultationSection> {
      const items: ConsultationSection['items'][number][] = [];
      for (const message of await matching(locators)) {
        const text = await readFile(message.path, 'utf8');
        const h = headerFields(text);
        const body = text
          .slice(Math.max(text.search(/\r?\n\r?\n/), 0))
          .trim()
          .slice(0, 20_000);
        items.push({
          kind: 'e-mail',
          fields: { file: relative(root, message.path), from: h.get('from') ?? '', date: h.get('date') ?? '', subject: h.get('subject') ?? '', text: body },
        });
      }
      return { system: 'mailbox', items };
    },
  };
}

/** The first 64 KiB of a message: enough for its headers. */
async function readHead(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
