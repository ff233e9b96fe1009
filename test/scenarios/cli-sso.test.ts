import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestService, runCli } from '../helpers/cli';
import { startTestProvider, type TestProvider } from '../helpers/oidc-provider';
import { freePort } from '../../infra/free-port';
import { uniqueId } from '../helpers/services';

/**
 * `erasure login --sso` end to end: the erasure service (its own process) signs people in
 * through a real OpenID provider (oidc-provider, in a child process), the browser is played
 * with plain HTTP, and the CLI receives its session by polling. Nothing is mocked.
 */
describe('erasure login --sso - single sign-on through a real OpenID provider', () => {
  let provider: TestProvider;
  let service: TestService;
  let dir: string;
  const client = { clientId: 'erasure-service', clientSecret: 'sso-test-secret-0123456789' };
  const coordinator = uniqueId('sso-cora');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'erasure-sso-'));
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/api/auth/sso/callback`;
    provider = await startTestProvider({
      client: { ...client, redirectUri },
      accounts: [
        { login: coordinator, groups: ['staff', 'erasure-coordinators'] },
        { login: 'nina', groups: ['finance'] },
      ],
    });
    service = new TestService(
      uniqueId('tq-sso'),
      {
        ERASURE_OIDC_ISSUER: provider.issuer,
        ERASURE_OIDC_CLIENT_ID: client.clientId,
        ERASURE_OIDC_CLIENT_SECRET: client.clientSecret,
        ERASURE_OIDC_REDIRECT_URI: redirectUri,
        ERASURE_OIDC_ROLE_GROUPS: 'coordinator=erasure-coordinators;screened-reviewer=erasure-reviewers;privacy-officer=erasure-privacy-officers',
      },
      port,
    );
    await service.start();
  });
  afterAll(async () => {
    await service?.stop();
    await provider?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `erasure login --sso`, signs in at the provider as `login` once the CLI prints the address, and follows the redirect to the service. */
  async function ssoLogin(login: string, env: Record<string, string>) {
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli', 'main.js'), 'login', '--sso'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        const found = /^\s+(http\S+)$/m.exec(stderr)?.[1];
        if (found) resolve(found);
      });
      child.once('exit', () => reject(new Error(`login --sso ended before it printed the address: ${stderr}`)));
    });
    const callback = await provider.signIn(url, login);
    const page = await fetch(callback);
    const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
    return { code, stdout, stderr, page: { status: page.status, text: await page.text() } };
  }

  it("a coordinator in the provider's coordinator group - signs in, gets the coordinator role, and acts as that account", async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ERASURE_CONFIG_DIR: join(dir, 'cora'), ERASURE_SERVICE_URL: service.url };
    const login = await ssoLogin(coordinator, env);
    expect(login.page).toEqual({ status: 200, text: expect.stringContaining(`Signed in as ${coordinator} (coordinator)`) });
    expect(login).toMatchObject({ code: 0, stdout: expect.stringContaining(`signed in as ${coordinator} (coordinator)`) });
    const who = await runCli(['whoami'], env);
    expect(who).toMatchObject({ code: 0, stdout: expect.stringContaining(`${coordinator} (coordinator), signed in by single sign-on`) });
    // The role from the provider's groups is enforced like a local account's.
    expect((await runCli(['purge', 'approve', 'purge-run-x', '--wave', '1'], env)).stderr).toContain(
      `\`erasure purge approve\` is for the role privacy-officer; you are signed in as ${coordinator} (coordinator)`,
    );
    expect((await runCli(['logout'], env)).stdout).toContain(`signed out (${coordinator})`);
    expect((await runCli(['whoami'], env)).stderr).toContain('not signed in');
  });

  it('a person whose groups map to no role - is refused at the callback, and the CLI says why', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ERASURE_CONFIG_DIR: join(dir, 'nina'), ERASURE_SERVICE_URL: service.url };
    const login = await ssoLogin('nina', env);
    expect(login.page.status).toBe(401);
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/groups/);
    expect((await runCli(['whoami'], env)).stderr).toContain('not signed in');
  });
});
