/**
 * `SsoLogins` in a process of its own (see `oidc-logins.ts`): it loads openid-client, which
 * is ESM only and so cannot be loaded in jest's CommonJS test process.
 *
 * Reads commands as JSON lines on stdin and answers each with one JSON line on stdout:
 * `{ id, ok: true, value }` or `{ id, ok: false, error: { name, code, reason, message } }`.
 * The clock is this process's own, moved forward by `advance`.
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { parseOidcConfig } from '../../service/auth/oidc-config';
import { SsoLogins } from '../../service/auth/oidc';

const commandSchema = z.discriminatedUnion('op', [
  z.strictObject({ id: z.number(), op: z.literal('create'), env: z.record(z.string(), z.string()) }),
  z.strictObject({ id: z.number(), op: z.literal('start') }),
  z.strictObject({ id: z.number(), op: z.literal('finish'), url: z.url() }),
  z.strictObject({ id: z.number(), op: z.literal('poll'), loginId: z.string() }),
  z.strictObject({ id: z.number(), op: z.literal('advance'), ms: z.number().nonnegative() }),
]);
export type LoginsCommand = z.infer<typeof commandSchema>;

let offset = 0;
let logins: SsoLogins | undefined;

async function run(command: LoginsCommand): Promise<unknown> {
  if (command.op === 'create') {
    const config = parseOidcConfig(command.env);
    if (!config) throw new Error('single sign-on is off: ERASURE_OIDC_ISSUER is unset');
    logins = await SsoLogins.create(config, { now: () => Date.now() + offset });
    return null;
  }
  if (command.op === 'advance') return (offset += command.ms);
  if (!logins) throw new Error('create first');
  if (command.op === 'start') return logins.start();
  if (command.op === 'finish') return logins.finish(new URL(command.url));
  return logins.poll(command.loginId);
}

async function main(): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    const command = commandSchema.parse(JSON.parse(line));
    const answer = await run(command).then(
      (value) => ({ id: command.id, ok: true, value }),
      (error: unknown) => {
        const e = error as { name?: string; code?: string; reason?: string; message?: string };
        return { id: command.id, ok: false, error: { name: e.name, code: e.code, reason: e.reason, message: e.message ?? String(error) } };
      },
    );
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
