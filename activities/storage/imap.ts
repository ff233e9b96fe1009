import { ImapFlow, type ImapFlowError } from 'imapflow';
import { ErasureError } from '../../schemas/errors';
import type { SystemErasure, SystemVerification } from '../../schemas/erasure';
import { doveadmClient, type DoveadmOptions } from './doveadm-client';
import { imapErasureScope, imapVerificationChecks, type ImapReachFacts } from './imap-reach';
import { checkMessageIdLocator, headerFields, mailboxCategories, messageIdOf, normalisedMessageId } from './message-id';
import type { ConsultationSection, StorageAdapter, SystemLocation } from './adapter';

export interface ImapMailboxOptions {
  readonly host: string;
  readonly port: number;
  /** TLS from the start (port 993); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly user: string;
  readonly password: string;
  /** Only these mailboxes (paths as the server lists them); all selectable ones by default. */
  readonly mailboxes?: readonly string[];
  readonly connectTimeoutMs?: number;
  /**
   * Dovecot's doveadm HTTP API: after the expunge, the searched mailboxes' index caches are
   * purged, since Dovecot keeps expunged messages' headers there until it purges them.
   */
  readonly doveadm?: DoveadmOptions;
}

/** A client of the mailbox's IMAP server, not yet connected. */
export function imapClient(options: ImapMailboxOptions): ImapFlow {
  const client = new ImapFlow({
    host: options.host,
    port: options.port,
    secure: options.secure,
    auth: { user: options.user, pass: options.password },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: options.connectTimeoutMs ?? 30_000,
    greetingTimeout: options.connectTimeoutMs ?? 30_000,
  });
  // Socket errors are also emitted as events; without a listener they would crash the process.
  client.on('error', () => undefined);
  return client;
}

/** Enough of a message for its headers and the 20 000 characters of body a consultation shows. */
const CONSULT_BYTES = 256 * 1024;

interface Found {
  readonly mailbox: string;
  /** UIDs of the matching messages, with their (normalised) Message-IDs. */
  readonly messages: readonly { readonly uid: number; readonly messageId: string }[];
}

/**
 * The mailbox where the inquiries arrived, over IMAP: messages are found by their
 * Message-ID header in every selectable mailbox and erased with UID EXPUNGE of exactly
 * their UIDs (UIDPLUS), so messages someone else flagged \Deleted stay. One connection
 * per operation; nothing is logged, and errors carry no message content. With doveadm,
 * every erase then purges the index caches of every mailbox it searched, whether or not it
 * removed anything now: an earlier attempt may have expunged and then failed to purge.
 */
export function imapMailboxAdapter(options: ImapMailboxOptions): StorageAdapter {
  const server = `IMAP server ${options.host}:${options.port}`;
  const doveadm = options.doveadm ? doveadmClient(options.doveadm) : undefined;
  const facts = (mailboxes: readonly string[]): ImapReachFacts => ({
    mailboxes: mailboxes.length,
    restricted: options.mailboxes !== undefined,
    cachesPurged: doveadm !== undefined,
  });

  const session = async <T>(work: (client: ImapFlow) => Promise<T>): Promise<T> => {
    const client = imapClient(options);
    try {
      await client.connect();
    } catch (err) {
      throw connectError(err as ImapFlowError);
    }
    try {
      return await work(client);
    } catch (err) {
      if (err instanceof ErasureError) throw err;
      throw new Error(`${server}: ${describe(err as ImapFlowError)}`);
    } finally {
      await client.logout().catch(() => client.close());
    }
  };

  const connectError = (err: ImapFlowError): Error => {
    if (err.authenticationFailed && err.serverResponseCode === 'AUTHENTICATIONFAILED') {
      // Wrong credentials do not heal with retries.
      return new ErasureError('INVALID_CONFIG', `${server}: logging in as ${options.user} failed (the server refused the credentials)`);
    }
    if (err.authenticationFailed) return new Error(`${server}: logging in as ${options.user} failed (${describe(err)})`);
    return new Error(`${server}: connecting failed (${describe(err)})`);
  };

  /** The mailboxes to search, as the server lists them. */
  const mailboxes = async (client: ImapFlow): Promise<string[]> => {
    const selectable = (await client.list()).filter((m) => !m.flags.has('\\Noselect') && !m.flags.has('\\NonExistent')).map((m) => m.path);
    if (!options.mailboxes) return selectable;
    const key = (path: string) => (path.toUpperCase() === 'INBOX' ? 'INBOX' : path);
    const wanted = new Set(options.mailboxes.map(key));
    const unknown = [...wanted].filter((path) => !selectable.some((s) => key(s) === path));
    // A typo here would make every search find nothing and every verification pass.
    if (unknown.length) throw new ErasureError('INVALID_CONFIG', `${server} has no selectable mailbox ${unknown.map((u) => `"${u}"`).join(', ')}`);
    return selectable.filter((s) => wanted.has(key(s)));
  };

  /** The messages, in the selected mailbox, whose Message-ID is exactly one of `ids`. */
  const matching = async (client: ImapFlow, ids: ReadonlySet<string>): Promise<Found['messages']> => {
    const candidates = new Set<number>();
    for (const id of ids) {
      const uids = await client.search({ header: { 'message-id': id } }, { uid: true });
      // imapflow reports a failed SEARCH as false: never read that as "nothing left".
      if (!Array.isArray(uids)) throw new Error(`${server}: SEARCH in mailbox "${client.mailbox ? client.mailbox.path : '?'}" failed`);
      for (const uid of uids) candidates.add(uid);
    }
    if (candidates.size === 0) return [];
    // SEARCH HEADER matches substrings: keep the exact Message-IDs only.
    const fetched = await client.fetchAll([...candidates].join(','), { uid: true, headers: ['message-id'] }, { uid: true });
    return fetched
      .map((m) => ({ uid: m.uid, messageId: normalisedMessageId(headerFields(m.headers?.toString('utf8') ?? '').get('message-id')) ?? '' }))
      .filter((m) => ids.has(m.messageId));
  };

  /** Runs `work` on each mailbox holding matching messages, with their UIDs; also says which mailboxes were searched. */
  const eachMatch = async <T>(
    locators: readonly string[],
    readOnly: boolean,
    work: (client: ImapFlow, found: Found) => T | Promise<T>,
  ): Promise<{ results: T[]; searched: string[] }> => {
    const ids = new Set(locators.map(messageIdOf));
    if (ids.size === 0) return { results: [], searched: [] };
    return session(async (client) => {
      const results: T[] = [];
      const searched = await mailboxes(client);
      for (const mailbox of searched) {
        const lock = await client.getMailboxLock(mailbox, { readOnly });
        try {
          const messages = await matching(client, ids);
          if (messages.length) results.push(await work(client, { mailbox, messages }));
        } finally {
          lock.release();
        }
      }
      return { results, searched };
    });
  };

  const count = async (locators: readonly string[]) => {
    const { results, searched } = await eachMatch(locators, true, (_client, found) => found.messages.length);
    return { messages: results.reduce((a, b) => a + b, 0), searched };
  };

  return {
    system: 'mailbox',

    checkLocator: checkMessageIdLocator,

    async locate(locators): Promise<SystemLocation> {
      return { system: 'mailbox', present: { messages: (await count(locators)).messages } };
    },

    async findMissing(locators): Promise<string[]> {
      const present = new Set((await eachMatch(locators, true, (_client, found) => found.messages.map((m) => m.messageId))).results.flat());
      return locators.filter((l) => !present.has(messageIdOf(l)));
    },

    async erase(locators): Promise<SystemErasure> {
      const { results, searched } = await eachMatch(locators, false, async (client, found) => {
        // Plain EXPUNGE would also remove every message someone else flagged \Deleted.
        if (!client.capabilities.has('UIDPLUS')) {
          throw new ErasureError('UNSUPPORTED_SYSTEM', `${server} lacks UIDPLUS: expunging only our messages (UID EXPUNGE) is impossible there`);
        }
        if (!(await client.messageDelete(uidSet(found), { uid: true }))) {
          throw new Error(`${server}: flagging \\Deleted and UID EXPUNGE in mailbox "${found.mailbox}" failed`);
        }
        return found.messages.length;
      });
      // After the IMAP session has ended, so the expunge is committed and our session holds no lock.
      if (doveadm) await doveadm.purgeCaches(options.user, searched);
      return {
        system: 'mailbox',
        method: doveadm ? 'imap-uid-expunge-then-doveadm-cache-purge' : 'imap-uid-expunge',
        locations: [...locators],
        found: {},
        removed: { messages: results.reduce((a, b) => a + b, 0) },
        scope: imapErasureScope(facts(searched)),
      };
    },

    async verifyErased(locators): Promise<SystemVerification> {
      const { messages, searched } = await count(locators);
      return {
        system: 'mailbox',
        verified: messages === 0,
        remaining: { messages },
        checked: imapVerificationChecks(facts(searched)),
        checkedAt: new Date().toISOString(),
      };
    },

    categories: mailboxCategories,

    async consult(locators): Promise<ConsultationSection> {
      const perMailbox = await eachMatch(locators, true, async (client, found) => {
        const fetched = await client.fetchAll(uidSet(found), { uid: true, source: { maxLength: CONSULT_BYTES } }, { uid: true });
        return fetched.map((m): ConsultationSection['items'][number] => {
          const text = m.source?.toString('utf8') ?? '';
          const h = headerFields(text);
          const body = text
            .slice(Math.max(text.search(/\r?\n\r?\n/), 0))
            .trim()
            .slice(0, 20_000);
          return {
            kind: 'e-mail',
            fields: {
              mailbox: found.mailbox,
              uid: String(m.uid),
              from: h.get('from') ?? '',
              date: h.get('date') ?? '',
              subject: h.get('subject') ?? '',
              text: body,
            },
          };
        });
      });
      return { system: 'mailbox', items: perMailbox.results.flat() };
    },
  };
}

const uidSet = (found: Found) => found.messages.map((m) => m.uid).join(',');

/** What failed, from the error's code and the server's status text: never message content. */
function describe(err: ImapFlowError): string {
  const parts = [err.code, err.command && `${err.command}${err.path ? ` "${err.path}"` : ''}`, err.responseStatus, err.serverResponseCode, err.responseText];
  const text = parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join(' ');
  return text || err.name;
}
