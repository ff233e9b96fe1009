import { createPool } from '../pg-pool';
import { adapterRegistry, type AdapterRegistry } from './adapter';
import { backupsAdapter } from './backups';
import { caseAdminAdapter } from './case-admin';
import { documentsAdapter } from './documents';
import { imapMailboxAdapter, type ImapMailboxOptions } from './imap';
import { maildirAdapter } from './maildir';

export interface ConfiguredAdapters {
  readonly adapters: AdapterRegistry;
  close(): Promise<void>;
}

/** Where the file-based systems live; a system left unset has no adapter. */
export interface StorageOptions {
  /** The document store's root (ERASURE_DOCUMENTS_ROOT). */
  readonly documentsRoot?: string | undefined;
  /** The inquiry mailbox as a Maildir (ERASURE_MAILDIR). */
  readonly maildir?: string | undefined;
  /** The inquiry mailbox on an IMAP server (ERASURE_IMAP_URL). */
  readonly imap?: ImapMailboxOptions | undefined;
}

/** `imap[s]://user:password@host[:port]` as the adapter's options. */
export function imapOptionsFrom(url: string, mailboxes?: string): ImapMailboxOptions {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'imaps:';
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    ...(mailboxes
      ? {
          mailboxes: mailboxes
            .split(',')
            .map((m) => m.trim())
            .filter(Boolean),
        }
      : {}),
  };
}

/**
 * The storage systems this deployment can erase from. Pools connect lazily, so the CLI
 * can use the adapters to check locators without touching the systems. The backups'
 * key store lives in the registry database.
 */
export function configuredAdapters(urls: { caseAdmin: string; registry: string }, options: StorageOptions = {}): ConfiguredAdapters {
  const caseAdmin = createPool(urls.caseAdmin, 10);
  const registry = createPool(urls.registry, 4);
  return {
    // A system without configuration has no adapter: its locations are refused at import.
    adapters: adapterRegistry([
      caseAdminAdapter(caseAdmin),
      ...(options.documentsRoot ? [documentsAdapter(options.documentsRoot)] : []),
      ...(options.maildir ? [maildirAdapter(options.maildir)] : []),
      ...(options.imap ? [imapMailboxAdapter(options.imap)] : []),
      backupsAdapter(registry),
    ]),
    close: async () => {
      await Promise.all([caseAdmin.end(), registry.end()]);
    },
  };
}
