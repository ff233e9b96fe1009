import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { imapOptionsFrom, type StorageOptions } from '../activities/storage';
import type { Config } from '../schemas/config';
import { dataDir } from './paths';

/** The demo's file-based systems, in the data folder: `npm start` creates them, the CLI and workers find them there. */
export const demoStoragePaths = (config: Config) => ({
  documentsRoot: join(dataDir(config.ERASURE_DATA_DIR), 'documents'),
  maildir: join(dataDir(config.ERASURE_DATA_DIR), 'maildir'),
});

/**
 * Where the document store and the mailbox are, from configuration; unset, the data
 * folder's `documents/` and `maildir/` when they exist (made by `npm start` for the demo),
 * so that the CLI in another terminal and the worker agree without extra variables.
 */
export function storageOptions(config: Config): StorageOptions {
  const demo = demoStoragePaths(config);
  const mailboxConfigured = config.ERASURE_MAILDIR !== undefined || config.ERASURE_IMAP_URL !== undefined;
  return {
    documentsRoot: config.ERASURE_DOCUMENTS_ROOT ?? (existsSync(demo.documentsRoot) ? demo.documentsRoot : undefined),
    maildir: config.ERASURE_MAILDIR ?? (!mailboxConfigured && existsSync(demo.maildir) ? demo.maildir : undefined),
    imap: config.ERASURE_IMAP_URL
      ? {
          ...imapOptionsFrom(config.ERASURE_IMAP_URL, config.ERASURE_IMAP_MAILBOXES),
          // parseConfig lets the URL through only together with its key.
          ...(config.ERASURE_DOVEADM_URL && config.ERASURE_DOVEADM_API_KEY
            ? { doveadm: { url: config.ERASURE_DOVEADM_URL, apiKey: config.ERASURE_DOVEADM_API_KEY } }
            : {}),
        }
      : undefined,
  };
}

/** Whether inquiries may name their e-mail (mailRef): only when a mailbox can erase it. */
export const mailboxConfigured = (config: Config): boolean => {
  const options = storageOptions(config);
  return options.maildir !== undefined || options.imap !== undefined;
};
