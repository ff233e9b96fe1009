import type { ErasureScope } from '../../schemas/erasure';

export interface ImapReachFacts {
  /** How many mailboxes were searched. */
  readonly mailboxes: number;
  /** Only the mailboxes of ERASURE_IMAP_MAILBOXES were searched, not every one of the account. */
  readonly restricted: boolean;
  /** doveadm purged the searched mailboxes' index caches after the expunge. */
  readonly cachesPurged: boolean;
}

const searched = (f: ImapReachFacts) =>
  f.restricted ? `the ${f.mailboxes} mailbox(es) named in ERASURE_IMAP_MAILBOXES` : `every selectable mailbox of the account (${f.mailboxes})`;

/**
 * What UID EXPUNGE reaches on the mail server, and what it does not: Dovecot keeps the
 * headers of expunged messages (Message-ID, From, ...) in each mailbox's
 * dovecot.index.cache until it purges that file (README, "Storage systems").
 */
export function imapErasureScope(f: ImapReachFacts): ErasureScope {
  return {
    removed: [
      `the messages with these Message-IDs in ${searched(f)}, by IMAP UID EXPUNGE of exactly their UIDs`,
      ...(f.cachesPurged
        ? [
            `their headers in the index caches of those ${f.mailboxes} mailbox(es), by doveadm mailbox cache purge after the expunge (each purge answered success)`,
          ]
        : []),
    ],
    notReached: [
      ...(f.cachesPurged
        ? []
        : [
            "the mail server's index caches (Dovecot: dovecot.index.cache in each mailbox folder), which keep headers of expunged messages, such as Message-ID and From, until the server purges them: set ERASURE_DOVEADM_URL to have them purged",
          ]),
      ...(f.restricted ? ['mailboxes of the account not named in ERASURE_IMAP_MAILBOXES'] : []),
      "full-text search indexes, if the mail server keeps any (Dovecot's fts plugins)",
      `the file-system blocks of the deleted message files${f.cachesPurged ? ' and of the replaced cache files' : ''}, until the mail server's disk overwrites them`,
      "the mail server's own backups, replicas and snapshots",
      'copies outside these mailboxes: forwards, replies and other accounts or servers, which carry other Message-IDs',
    ],
  };
}

/** What `verifyErased` looks at. */
export function imapVerificationChecks(f: ImapReachFacts): string[] {
  return [
    `IMAP SEARCH HEADER Message-ID in ${searched(f)}, each hit's Message-ID compared exactly`,
    ...(f.cachesPurged ? ["not read back: the index caches' content (doveadm cannot show what a cache holds); the erase purged them"] : []),
  ];
}
