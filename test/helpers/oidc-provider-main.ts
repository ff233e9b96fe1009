/**
 * The test OpenID provider's own process (see `oidc-provider.ts`): oidc-provider is ESM
 * only, which jest's CommonJS test process cannot load, so it runs here, in plain Node.
 *
 * Reads one line of JSON from stdin (`ProviderSetup`), listens on 127.0.0.1:`port`, prints
 * `READY <issuer>` and serves until stdin closes, so that it cannot outlive its test.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { AddressInfo, Server } from 'node:net';
import { z } from 'zod';

/** oidc-provider ships no types: the little used of it, declared here. */
interface OidcProviderModule {
  default: new (issuer: string, configuration: Record<string, unknown>) => { listen(port: number, host: string): Server };
}
interface FoundAccount {
  accountId: string;
  claims(): Record<string, unknown>;
}
/** A specifier TypeScript does not resolve (there are no types to find); the import stays a real `import()`. */
const OIDC_PROVIDER: string = 'oidc-provider';

const setupSchema = z.strictObject({
  port: z.number().int().min(1).max(65535),
  client: z.strictObject({ clientId: z.string().min(1), clientSecret: z.string().min(1), redirectUri: z.url() }),
  accounts: z.array(z.strictObject({ login: z.string().min(1), groups: z.array(z.string()) })),
  groupsInIdToken: z.boolean(),
});
export type ProviderSetup = z.infer<typeof setupSchema>;

async function main(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  const first = await new Promise<string>((resolve) => lines.once('line', resolve));
  const setup = setupSchema.parse(JSON.parse(first));
  const { default: Provider } = (await import(OIDC_PROVIDER)) as OidcProviderModule;
  const issuer = `http://127.0.0.1:${setup.port}`;
  const accounts = new Map(setup.accounts.map((a) => [a.login, a]));
  // A fresh signing key per run: the ID tokens are really signed and really checked.
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: setup.client.clientId,
        client_secret: setup.client.clientSecret,
        redirect_uris: [setup.client.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...jwk, alg: 'RS256', use: 'sig', kid: 'test' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // A `groups` claim released with the `profile` scope, as identity providers are configured to do for an application.
    claims: { openid: ['sub'], profile: ['preferred_username', 'groups'] },
    // false: scope claims go into the ID token too; true (the specification's default): only from userinfo.
    conformIdTokenClaims: !setup.groupsInIdToken,
    pkce: { required: () => true },
    // The built-in login (any login name, any password) and consent pages.
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx: unknown, sub: string): FoundAccount | undefined => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: () => ({ sub, preferred_username: account.login, groups: account.groups }) };
    },
  });
  const server = provider.listen(setup.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  lines.once('close', () => server.close(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
