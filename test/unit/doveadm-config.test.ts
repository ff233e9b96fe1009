import { parseConfig } from '../../schemas/config';
import { storageOptions } from '../../infra/storage-options';

const IMAP = 'imaps://desk:secret@mail.example.org';

describe('configuration - the doveadm HTTP API beside the IMAP mailbox', () => {
  it('ERASURE_DOVEADM_URL and ERASURE_DOVEADM_API_KEY - with ERASURE_IMAP_URL - reach the IMAP adapter options', () => {
    const config = parseConfig({ ERASURE_IMAP_URL: IMAP, ERASURE_DOVEADM_URL: 'https://mail.example.org:8080', ERASURE_DOVEADM_API_KEY: 'k3y' });
    expect(storageOptions(config).imap).toMatchObject({
      host: 'mail.example.org',
      user: 'desk',
      doveadm: { url: 'https://mail.example.org:8080', apiKey: 'k3y' },
    });
    // Plain http only to this machine itself.
    expect(parseConfig({ ERASURE_IMAP_URL: IMAP, ERASURE_DOVEADM_URL: 'http://127.0.0.1:8080/', ERASURE_DOVEADM_API_KEY: 'k' }).ERASURE_DOVEADM_URL).toBe(
      'http://127.0.0.1:8080/',
    );
    expect(storageOptions(parseConfig({ ERASURE_IMAP_URL: IMAP })).imap).not.toHaveProperty('doveadm');
  });

  it.each([
    [
      'the URL without ERASURE_IMAP_URL',
      { ERASURE_DOVEADM_URL: 'https://mail.example.org:8080', ERASURE_DOVEADM_API_KEY: 'k' },
      'ERASURE_DOVEADM_URL is only used with ERASURE_IMAP_URL',
    ],
    ['the key without ERASURE_IMAP_URL', { ERASURE_DOVEADM_API_KEY: 'k' }, 'ERASURE_DOVEADM_API_KEY is only used with ERASURE_IMAP_URL'],
    [
      'the URL without its key',
      { ERASURE_IMAP_URL: IMAP, ERASURE_DOVEADM_URL: 'https://mail.example.org:8080' },
      "ERASURE_DOVEADM_API_KEY: ERASURE_DOVEADM_URL is set without ERASURE_DOVEADM_API_KEY: set it to the server's doveadm_api_key",
    ],
    [
      'the key without the URL',
      { ERASURE_IMAP_URL: IMAP, ERASURE_DOVEADM_API_KEY: 'k' },
      'ERASURE_DOVEADM_URL: ERASURE_DOVEADM_API_KEY is set without ERASURE_DOVEADM_URL',
    ],
    [
      'plain http to another host',
      { ERASURE_IMAP_URL: IMAP, ERASURE_DOVEADM_URL: 'http://mail.example.org:8080', ERASURE_DOVEADM_API_KEY: 'k' },
      'must use https:// unless the host is this machine',
    ],
    [
      'a path after host:port',
      { ERASURE_IMAP_URL: IMAP, ERASURE_DOVEADM_URL: 'https://mail.example.org:8080/doveadm/v1', ERASURE_DOVEADM_API_KEY: 'k' },
      'must be http(s)://host:port only, without a path, query or user (the adapter adds /doveadm/v1',
    ],
    // Regression: this crashed the parse with a bare "Invalid URL".
    [
      'an IMAP URL that is no URL',
      { ERASURE_IMAP_URL: 'garbage' },
      'ERASURE_IMAP_URL: must be an IMAP URL such as imaps://user:password@mail.example.org:993 (environment variable ERASURE_IMAP_URL)',
    ],
    [
      'no URL at all',
      { ERASURE_IMAP_URL: IMAP, ERASURE_DOVEADM_URL: 'mail.example.org', ERASURE_DOVEADM_API_KEY: 'k' },
      'must be the doveadm HTTP API as http(s)://host:port, e.g. https://mail.example.org:8080 (environment variable ERASURE_DOVEADM_URL)',
    ],
  ])('%s - is refused naming the variable and the fix', (_label, env, message) => {
    expect(() => parseConfig(env)).toThrow(message);
  });
});
