import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** What `erasure login` keeps: the service, the session's bearer token and whose it is. Never a password. */
export const savedSessionSchema = z.strictObject({
  service: z.url(),
  token: z.string().min(20),
  account: z.string(),
  role: z.string(),
  method: z.string(),
  expiresAt: z.string(),
});
export type SavedSession = z.infer<typeof savedSessionSchema>;

/** The user's config folder: ERASURE_CONFIG_DIR, else $XDG_CONFIG_HOME/erasure, else ~/.config/erasure. */
export const configDir = (env: Record<string, string | undefined>) =>
  env.ERASURE_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), '.config'), 'erasure');

const sessionFile = (env: Record<string, string | undefined>) => join(configDir(env), 'session.json');

export function readSession(env: Record<string, string | undefined>): SavedSession | undefined {
  let text: string;
  try {
    text = readFileSync(sessionFile(env), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = savedSessionSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

/** Written with mode 0600 in a 0700 folder: the token is as good as the person's sign-in until it expires. */
export function saveSession(env: Record<string, string | undefined>, session: SavedSession): string {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = sessionFile(env);
  rmSync(file, { force: true });
  writeFileSync(file, `${JSON.stringify(session)}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

export const forgetSession = (env: Record<string, string | undefined>) => rmSync(sessionFile(env), { force: true });
