import { imapOptionsFrom } from '../../activities/storage';
import { parseConfig } from '../../schemas/config';
import { durationMs } from '../../schemas/duration';
import { InvalidConfigError } from '../../schemas/errors';
import { policySchema } from '../../schemas/policy';

describe('configuration', () => {
  it('has working defaults for the embedded stack', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ TEMPORAL_PORT: 7233, TEMPORAL_UI_PORT: 8233, TEMPORAL_NAMESPACE: 'default', EMBEDDED_PG_PORT: 54329 });
    expect(config.TEMPORAL_ADDRESS).toBeUndefined();
  });

  it('names the variable and the fix when a value is unusable', () => {
    let error: unknown;
    try {
      parseConfig({ TEMPORAL_PORT: 'seventy', DATABASE_URL: 'mysql://x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    const message = (error as Error).message;
    expect(message).toContain('TEMPORAL_PORT must be a TCP port number');
    expect(message).toContain('must be a PostgreSQL URL');
    expect(message).toContain('(environment variable DATABASE_URL)');
  });
});

describe('configuration - the mailbox over IMAP', () => {
  it('ERASURE_IMAP_URL - imaps with user and password - becomes the adapter options, percent-encoding decoded, port defaulted', () => {
    const config = parseConfig({ ERASURE_IMAP_URL: 'imaps://desk%40body.example:p%3Ass@mail.example.org', ERASURE_IMAP_MAILBOXES: 'INBOX, Archive' });
    expect(imapOptionsFrom(config.ERASURE_IMAP_URL!, config.ERASURE_IMAP_MAILBOXES)).toEqual({
      host: 'mail.example.org',
      port: 993,
      secure: true,
      user: 'desk@body.example',
      password: 'p:ss',
      mailboxes: ['INBOX', 'Archive'],
    });
    expect(imapOptionsFrom('imap://u:p@127.0.0.1:1143')).toMatchObject({ port: 1143, secure: false });
  });

  it('ERASURE_IMAP_URL - another scheme, no password, or beside ERASURE_MAILDIR - is refused naming the variable and the fix', () => {
    expect(() => parseConfig({ ERASURE_IMAP_URL: 'https://mail.example.org' })).toThrow(
      /must be an IMAP URL such as imaps:\/\/user:password@mail.example.org:993 \(environment variable ERASURE_IMAP_URL\)/,
    );
    expect(() => parseConfig({ ERASURE_IMAP_URL: 'imaps://mail.example.org' })).toThrow('must name the user and password');
    expect(() => parseConfig({ ERASURE_IMAP_URL: 'imaps://u:p@mail.example.org', ERASURE_MAILDIR: '/var/mail/desk' })).toThrow(
      'either a Maildir (ERASURE_MAILDIR) or an IMAP server (ERASURE_IMAP_URL), not both',
    );
  });
});

describe('policy', () => {
  const base = { version: 'source-case-2024', inquiryCutoff: '2024-03-31T23:59:59+02:00', purgeStart: '2024-04-01T00:00:00+02:00' };

  it('defaults the objection period to six weeks and the response deadline to 30 days', () => {
    const policy = policySchema.parse(base);
    expect(policy.objectionPeriod).toBe('6w');
    expect(durationMs(policy.objectionPeriod)).toBe(42 * 86_400_000);
    expect(durationMs(policy.responseDeadline)).toBe(30 * 86_400_000);
  });

  it('refuses a purge start before the inquiry cutoff', () => {
    const result = policySchema.safeParse({ ...base, purgeStart: '2024-03-01T00:00:00+01:00' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['purgeStart'], message: expect.stringContaining('inquiries are still open') });
  });

  it('refuses dates without an offset and durations without a unit', () => {
    const result = policySchema.safeParse({ ...base, inquiryCutoff: '2024-03-31', objectionPeriod: '6' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['inquiryCutoff', 'objectionPeriod']);
  });
});
