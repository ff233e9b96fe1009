import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../infra/paths';
import { freePort } from '../../infra/free-port';
import type { ProviderSetup } from './oidc-provider-main';

export interface TestProviderOptions {
  readonly client: { readonly clientId: string; readonly clientSecret: string; readonly redirectUri: string };
  /** The people who can sign in: the login name is their `sub` and `preferred_username`. */
  readonly accounts: readonly { readonly login: string; readonly groups: readonly string[] }[];
  /** false: the groups claim comes only from userinfo, as with providers that keep ID tokens small. Default true. */
  readonly groupsInIdToken?: boolean;
}

export interface TestProvider {
  readonly issuer: string;
  stop(): Promise<void>;
  /**
   * Plays the browser: opens `authorizationUrl`, signs in as `login`, confirms consent, and
   * returns the redirect to the client's redirect URI (not followed: that is the service's callback).
   */
  signIn(authorizationUrl: string, login: string): Promise<string>;
}

const MAIN = join(projectRoot(), 'dist', 'test', 'helpers', 'oidc-provider-main.js');

/**
 * These helpers run compiled code in child processes: a source newer than its build would
 * test yesterday's code, so that is refused (`sources` relative to the project root).
 */
export function assertBuilt(sources: readonly string[]): void {
  const root = projectRoot();
  for (const source of sources) {
    const built = join(root, 'dist', source.replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(root, source)).mtimeMs) {
      throw new Error(`${built} is missing or older than ${source}: run \`npx tsc -p .\` first`);
    }
  }
}

/**
 * A real OpenID provider (oidc-provider, ESM only) in a child process, since jest's
 * CommonJS process cannot load it: real HTTP, real signed ID tokens, PKCE required.
 * Needs the build (`npx tsc -p .`).
 */
export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  assertBuilt(['test/helpers/oidc-provider-main.ts']);
  const setup: ProviderSetup = {
    port: await freePort(),
    client: { ...options.client },
    accounts: options.accounts.map((a) => ({ login: a.login, groups: [...a.groups] })),
    groupsInIdToken: options.groupsInIdToken ?? true,
  };
  const child = spawn(process.execPath, [MAIN], { stdio: ['pipe', 'pipe', 'pipe'] });
  // oidc-provider's development warnings are noise unless it fails to start.
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin.write(`${JSON.stringify(setup)}\n`);
  const issuer = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = /^READY (\S+)$/m.exec(stdout);
      if (ready?.[1]) resolve(ready[1]);
    });
    child.once('exit', (code) => reject(new Error(`the test OpenID provider exited with code ${code} before it was ready:\n${stderr}`)));
  });
  return {
    issuer,
    async stop() {
      child.stdin.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
    signIn: (authorizationUrl, login) => signIn(authorizationUrl, login, options.client.redirectUri),
  };
}

/** The browser's cookies for one host: name → value, with the path each was set for. */
class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  take(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';').map((p) => p.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attribute = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const expires = attribute('expires');
      const gone = value === '' || attribute('max-age') === '0' || (expires !== undefined && Date.parse(expires) <= Date.now());
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, { value, path: attribute('path') ?? '/' });
    }
  }

  header(url: URL): string {
    return [...this.cookies]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }
}

/**
 * Follows the provider's redirects by hand (so that the last one, to the redirect URI, is
 * caught rather than followed), answering its login and consent pages with their forms.
 */
async function signIn(authorizationUrl: string, login: string, redirectUri: string): Promise<string> {
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  let form: URLSearchParams | undefined;
  for (let step = 0; step < 20; step += 1) {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header(url), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { body: form.toString() } : {}),
    });
    jar.take(response);
    form = undefined;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, url);
      if (`${next.origin}${next.pathname}` === redirectUri) return next.href;
      url = next;
      continue;
    }
    const page = await response.text();
    if (response.status !== 200) throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${page.slice(0, 500)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
    if (!action || !prompt) throw new Error(`no login or consent form at ${url.pathname}: ${page.slice(0, 500)}`);
    form = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
    url = new URL(action.replace(/&amp;/g, '&'), url);
  }
  throw new Error('the provider did not redirect to the redirect URI within 20 steps');
}
