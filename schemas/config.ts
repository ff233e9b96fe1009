import { z } from 'zod';
import { InvalidConfigError } from './errors';

const port = (name: string, fallback: number) =>
  z.coerce
    .number({ message: `${name} must be a TCP port number` })
    .int(`${name} must be a whole number`)
    .min(1, `${name} must be between 1 and 65535`)
    .max(65535, `${name} must be between 1 and 65535`)
    .default(fallback);

/** A whole, positive number of minutes (or hours: the name says which). */
const minutes = (name: string, fallback: number) =>
  z.coerce
    .number({ message: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(1, `${name} must be at least 1`)
    .max(10_000)
    .default(fallback);

const workerCount = (name: string, fallback: number, min: number) =>
  z.coerce
    .number({ message: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(100_000, `${name} must be at most 100000`)
    .default(fallback);

const key = (name: string) =>
  z.string().refine((v) => Buffer.from(v, 'base64').length === 32, `${name} must be 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`)`);

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)$/i;

/** A refinement on a URL; true for what is no URL at all, which the URL check itself reports (refinements run after it fails). */
const whenUrl = (v: string, test: (u: URL) => boolean): boolean => {
  const u = URL.parse(v);
  return u === null || test(u);
};

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, 'must be a PostgreSQL URL such as postgres://user:password@host:5432/database');

/**
 * All configuration comes from environment variables, parsed once at start. Every
 * variable is listed in the README; an unusable value names the variable and the fix.
 */
export const configSchema = z.object({
  /** A Temporal server to use as is. Unset: the project's own dev server on TEMPORAL_PORT. */
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_PORT: port('TEMPORAL_PORT', 7233),
  TEMPORAL_UI_PORT: port('TEMPORAL_UI_PORT', 8233),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('erasure'),
  /** The codec server for the Web UI (decodes payloads for screened reviewers only). */
  ERASURE_CODEC_PORT: port('ERASURE_CODEC_PORT', 8234),
  /** Browser origins allowed to call the codec server, comma-separated. Unset: the dev server's Web UI (http://localhost:<TEMPORAL_UI_PORT>). */
  ERASURE_CODEC_ORIGINS: z.string().min(1).optional(),
  /** The erasure service: the HTTP API every person's command goes through (docs/ARCHITECTURE.md, "The erasure service"). */
  ERASURE_SERVICE_PORT: port('ERASURE_SERVICE_PORT', 8235),
  /** Where it listens; the loopback unless a deployment puts it behind a TLS proxy. */
  ERASURE_SERVICE_HOST: z.string().min(1).default('127.0.0.1'),
  /** The service the CLI talks to. Unset: http://127.0.0.1:<ERASURE_SERVICE_PORT>. */
  ERASURE_SERVICE_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://erasure.example.org' }).optional(),
  /** A session ends after this many minutes without use, and after ERASURE_SESSION_MAX_HOURS in any case. */
  ERASURE_SESSION_IDLE_MINUTES: minutes('ERASURE_SESSION_IDLE_MINUTES', 15),
  ERASURE_SESSION_MAX_HOURS: minutes('ERASURE_SESSION_MAX_HOURS', 8),
  /** A consultation shows personal data only if the reviewer re-entered the second factor within this many minutes. */
  ERASURE_STEP_UP_MINUTES: minutes('ERASURE_STEP_UP_MINUTES', 5),
  /** The console shows times in this zone (an IANA name). */
  ERASURE_CONSOLE_TIME_ZONE: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time-zone name such as "Europe/Amsterdam"')
    .default('Europe/Amsterdam'),
  /** A consultation page shows the data this many seconds, then nothing (the reviewer opens it again, logged again). */
  ERASURE_CONSULTATION_VIEW_SECONDS: z.coerce
    .number({ message: 'ERASURE_CONSULTATION_VIEW_SECONDS must be a number of seconds' })
    .int('ERASURE_CONSULTATION_VIEW_SECONDS must be a whole number of seconds')
    .min(10, 'ERASURE_CONSULTATION_VIEW_SECONDS must be at least 10')
    .max(3600, 'ERASURE_CONSULTATION_VIEW_SECONDS must be at most 3600')
    .default(300),
  /**
   * Erasure activities run on their own task queue (`<TEMPORAL_TASK_QUEUE>-storage`), at
   * most this many started per second across all workers, so that the source systems are
   * never flooded (Temporal's maxTaskQueueActivitiesPerSecond). Each is a purge wave's
   * batch (up to the run's `erasureBatch` records, 100 by default) or one record erased on
   * its own.
   */
  ERASURE_STORAGE_RATE: z.coerce
    .number({ message: 'ERASURE_STORAGE_RATE must be a number of activities per second' })
    .positive('ERASURE_STORAGE_RATE must be more than 0')
    .max(100_000, 'ERASURE_STORAGE_RATE must be at most 100000')
    .default(500),
  /**
   * Workflows a worker keeps in memory between their tasks (Temporal's maxCachedWorkflows).
   * A lifecycle waiting on its timers needs none; one evicted is replayed from its short
   * history when it is next woken. The default keeps a worker under 1 GiB (README, "Throughput").
   */
  ERASURE_WORKER_CACHED_WORKFLOWS: workerCount('ERASURE_WORKER_CACHED_WORKFLOWS', 100, 0),
  /** Workflow tasks a worker runs at once (maxConcurrentWorkflowTaskExecutions). */
  ERASURE_WORKER_WORKFLOW_TASKS: workerCount('ERASURE_WORKER_WORKFLOW_TASKS', 40, 2),
  /** Activities a worker runs at once per task queue (maxConcurrentActivityTaskExecutions). */
  ERASURE_WORKER_ACTIVITIES: workerCount('ERASURE_WORKER_ACTIVITIES', 50, 1),
  /** The document store (research reports and their derived copies). Unset: no documents system; such locations are refused at import. */
  ERASURE_DOCUMENTS_ROOT: z.string().min(1).optional(),
  /** The mailbox where inquiries arrive, as a Maildir folder. Unset: no mailbox system; such locations are refused at import. */
  ERASURE_MAILDIR: z.string().min(1).optional(),
  /**
   * The mailbox over IMAP instead: `imap://user:password@host:143` (STARTTLS when offered)
   * or `imaps://user:password@host:993`. Messages are found by Message-ID and expunged.
   */
  ERASURE_IMAP_URL: z
    .url({ protocol: /^imaps?$/, message: 'must be an IMAP URL such as imaps://user:password@mail.example.org:993' })
    // zod runs this even after the URL check failed: a value that is no URL is that check's to report.
    .refine((v) => {
      const url = URL.parse(v);
      return !url || (url.username !== '' && url.password !== '');
    }, 'must name the user and password: imaps://user:password@host:993 (percent-encode special characters)')
    .optional(),
  /** With ERASURE_IMAP_URL: only these mailboxes, comma-separated (e.g. `INBOX,Archive`). Unset: every selectable mailbox. */
  ERASURE_IMAP_MAILBOXES: z.string().min(1).optional(),
  /**
   * With ERASURE_IMAP_URL on Dovecot: its doveadm HTTP API (`service doveadm { inet_listener
   * http }`), as `https://host:port`. After each expunge the searched mailboxes' index caches
   * are purged, which otherwise keep the expunged messages' headers.
   */
  ERASURE_DOVEADM_URL: z
    .url({ protocol: /^https?$/, message: 'must be the doveadm HTTP API as http(s)://host:port, e.g. https://mail.example.org:8080' })
    .refine(
      (v) => whenUrl(v, (u) => ['', '/'].includes(u.pathname) && !u.search && !u.username),
      'must be http(s)://host:port only, without a path, query or user (the adapter adds /doveadm/v1; the key goes in ERASURE_DOVEADM_API_KEY)',
    )
    // The API key travels in every request: in the clear only to this host itself.
    .refine(
      (v) => whenUrl(v, (u) => u.protocol !== 'http:' || LOOPBACK.test(u.hostname)),
      'must use https:// unless the host is this machine (127.0.0.1, ::1, localhost): the API key travels in every request',
    )
    .optional(),
  /** The `doveadm_api_key` of that Dovecot (sent base64-encoded in `Authorization: X-Dovecot-API`). */
  ERASURE_DOVEADM_API_KEY: z.string().min(1).optional(),
  /** Where purge runs write their report files (dry-run record lists). Unset: <data folder>/reports. */
  ERASURE_REPORTS_DIR: z.string().min(1).optional(),
  /** Where `erasure backup create` writes backups (gzip'd JSON lines, each person sealed under their own key). Unset: <data folder>/backups. */
  ERASURE_BACKUP_DIR: z.string().min(1).optional(),
  /** Registry database. Unset: the embedded PostgreSQL's `erasure_registry` database. */
  DATABASE_URL: postgresUrl.optional(),
  /** Case-administration database to erase from. Unset: the embedded `case_admin` database. */
  CASE_DATABASE_URL: postgresUrl.optional(),
  EMBEDDED_PG_PORT: port('EMBEDDED_PG_PORT', 54329),
  /** Where the dev server's SQLite file, the embedded cluster and logs live. */
  ERASURE_DATA_DIR: z.string().min(1).optional(),
  /** 32-byte keys, base64. Unset: generated once into the data folder (keys.json, 0600). */
  ERASURE_CONTACT_KEY: key('ERASURE_CONTACT_KEY').optional(),
  ERASURE_HMAC_KEY: key('ERASURE_HMAC_KEY').optional(),
  /** 32 bytes, base64: encrypts every Temporal payload (AES-256-GCM). Unset: generated once into keys.json. */
  ERASURE_PAYLOAD_KEY: key('ERASURE_PAYLOAD_KEY').optional(),
  /** Earlier payload keys, comma-separated base64: still decrypt what they sealed, after a rotation. */
  ERASURE_PAYLOAD_OLD_KEYS: z
    .string()
    .refine(
      (v) => v.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32),
      'ERASURE_PAYLOAD_OLD_KEYS must be comma-separated keys of 32 random bytes in base64',
    )
    .optional(),
  /** Ed25519 private key that signs deletion certificates: PKCS#8 DER, base64. Unset: generated once into keys.json. */
  ERASURE_SIGNING_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]+=*$/, 'ERASURE_SIGNING_KEY must be base64 (an Ed25519 private key, PKCS#8 DER)')
    .optional(),
  /** Ed25519 private key with which the erasure service signs people's actions: PKCS#8 DER, base64. Unset: generated once into keys.json. */
  ERASURE_ACTION_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]+=*$/, 'ERASURE_ACTION_KEY must be base64 (an Ed25519 private key, PKCS#8 DER)')
    .optional(),
  /** More public keys whose signed actions the workflows accept (rotated or other services' keys): comma-separated, 32 bytes base64url each. */
  ERASURE_ACTION_PUBLIC_KEYS: z
    .string()
    .regex(
      /^\s*[A-Za-z0-9_-]{43}\s*(,\s*[A-Za-z0-9_-]{43}\s*)*$/,
      'ERASURE_ACTION_PUBLIC_KEYS must be comma-separated Ed25519 public keys, 32 bytes base64url (43 characters) each',
    )
    .optional(),
  /** Where mail goes. Unset: the local mail sink that `npm start` runs on SMTP_SINK_PORT. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an SMTP URL such as smtp://user:pass@mail.example.org:587')
    .optional(),
  SMTP_SINK_PORT: port('SMTP_SINK_PORT', 2525),
  MAIL_FROM: z.email('must be an e-mail address').default('privacy-desk@example.invalid'),
  /** Receives escalations (response deadline passed, retention review due). */
  COORDINATORS_EMAIL: z.email('must be an e-mail address').default('coordinators@example.invalid'),
});

export type Config = z.output<typeof configSchema>;

/** Parses configuration from an environment; throws InvalidConfigError naming each variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const result = configSchema.safeParse(picked);
  if (!result.success) {
    throw new InvalidConfigError(
      result.error.issues.map((issue) => ({
        field: String(issue.path[0] ?? ''),
        message: `${issue.message} (environment variable ${String(issue.path[0] ?? '')})`,
      })),
    );
  }
  if (result.data.ERASURE_MAILDIR && result.data.ERASURE_IMAP_URL) {
    throw new InvalidConfigError([
      {
        field: 'ERASURE_IMAP_URL',
        message: 'the mailbox is either a Maildir (ERASURE_MAILDIR) or an IMAP server (ERASURE_IMAP_URL), not both: unset one of them',
      },
    ]);
  }
  const doveadm = doveadmProblems(result.data);
  if (doveadm.length) throw new InvalidConfigError(doveadm);
  return result.data;
}

/** The doveadm variables come as a pair, and only for a mailbox on an IMAP server. */
function doveadmProblems(config: z.output<typeof configSchema>): { field: string; message: string }[] {
  const { ERASURE_DOVEADM_URL: url, ERASURE_DOVEADM_API_KEY: key, ERASURE_IMAP_URL: imap } = config;
  if (url === undefined && key === undefined) return [];
  if (!imap) {
    const field = url !== undefined ? 'ERASURE_DOVEADM_URL' : 'ERASURE_DOVEADM_API_KEY';
    return [
      {
        field,
        message: `${field} is only used with ERASURE_IMAP_URL (it purges the IMAP server's caches after an expunge): set ERASURE_IMAP_URL, or unset ${field}`,
      },
    ];
  }
  if (url === undefined)
    return [
      {
        field: 'ERASURE_DOVEADM_URL',
        message: "ERASURE_DOVEADM_API_KEY is set without ERASURE_DOVEADM_URL: set the doveadm HTTP API's URL too, or unset the key",
      },
    ];
  if (key === undefined)
    return [
      { field: 'ERASURE_DOVEADM_API_KEY', message: "ERASURE_DOVEADM_URL is set without ERASURE_DOVEADM_API_KEY: set it to the server's doveadm_api_key" },
    ];
  return [];
}
