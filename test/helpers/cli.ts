import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Accounts } from '../../service/auth/accounts';
import { currentTotpCode } from '../../service/auth/totp';
import { COMMAND_ACCESS, type ServiceCommand } from '../../service/command-table';
import { parseCommandLine } from '../../cli/options';
import type { AccountRole } from '../../schemas/roles';
import { freePort } from '../../infra/free-port';
import { openDatabases, testKeyEnv, testServices, uniqueId } from './services';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const root = join(__dirname, '..', '..');

/**
 * The environment of the erasure service against the test services: their databases,
 * server and keys, the task queue of the suite's worker, and `extra` (folders).
 */
export function serviceEnv(taskQueue: string, extra: Record<string, string> = {}): Record<string, string> {
  const services = testServices();
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    TEMPORAL_ADDRESS: services.temporalAddress,
    DATABASE_URL: services.databases.registry,
    CASE_DATABASE_URL: services.databases.caseAdmin,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ...testKeyEnv,
    ...extra,
  };
}

/** The Maildir and backup folders of a suite's service, under `dir`. */
export const storageFolders = (dir: string) => ({ ERASURE_MAILDIR: join(dir, 'maildir'), ERASURE_BACKUP_DIR: join(dir, 'backups') });

/** Runs the built CLI (`dist/cli/main.js`) as a person would, with `stdin` typed in, and what it printed. */
export function runCli(args: readonly string[], env: Record<string, string>, stdin = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** The test accounts of a suite, by the names the tests use; each gets a suite-unique account id. */
const TEST_ACCOUNTS: Record<string, AccountRole> = {
  cora: 'coordinator',
  rev: 'screened-reviewer',
  otto: 'privacy-officer',
  olga: 'privacy-officer',
  ada: 'administrator',
};

export interface TestAccount {
  readonly id: string;
  readonly role: AccountRole;
  readonly password: string;
  readonly totpSecret: string;
  /** The CLI's environment with this account's own config folder (its saved session). */
  readonly env: Record<string, string>;
}

/** A second-factor code for `secret`, `steps` time steps ahead (a code is accepted once; the next step's is still valid). */
export const codeFor = (secret: string, steps = 0) => currentTotpCode(secret, Date.now() + steps * 30_000);

/**
 * A suite's erasure service (the built `dist/service/main.js`, as `npm run service` runs it)
 * with its test accounts, each signed in through `erasure login` on first use.
 */
export class TestService {
  private child?: ChildProcess;
  readonly accounts = new Map<string, TestAccount>();
  private readonly signedIn = new Map<string, Promise<void>>();
  private readonly dir = mkdtempSync(join(tmpdir(), 'erasure-cli-'));
  private readonly lastStep = new Map<string, number>();
  url = '';

  constructor(
    readonly taskQueue: string,
    readonly extra: Record<string, string> = {},
    private readonly port?: number,
  ) {}

  async start(): Promise<void> {
    const port = this.port ?? (await freePort());
    this.url = `http://127.0.0.1:${port}`;
    const dbs = openDatabases();
    try {
      const store = new Accounts(dbs.registry);
      for (const [name, role] of Object.entries(TEST_ACCOUNTS)) {
        const created = await store.add(uniqueId(name), role, null);
        const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ERASURE_CONFIG_DIR: join(this.dir, name), ERASURE_SERVICE_URL: this.url };
        this.accounts.set(name, { id: created.id, role, password: created.password, totpSecret: created.totpSecret, env });
      }
    } finally {
      await dbs.close();
    }
    const child = spawn(process.execPath, [join(root, 'dist', 'service', 'main.js')], {
      env: { ...serviceEnv(this.taskQueue, this.extra), ERASURE_SERVICE_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('erasure service on ')) resolve();
      });
      let err = '';
      child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
      child.once('exit', (code) => reject(new Error(`the erasure service exited (${code}) before it listened: ${err.slice(-2000)}`)));
    });
  }

  account(name: string): TestAccount {
    const account = this.accounts.get(name);
    if (!account) throw new Error(`no test account "${name}" (use ${Object.keys(TEST_ACCOUNTS).join(', ')})`);
    return account;
  }

  /**
   * A code the service has not seen from this account: a code is accepted once, so each use
   * takes a later time step (the next one is valid too; beyond that, wait for the clock).
   */
  async code(name: string): Promise<string> {
    for (;;) {
      const now = Math.floor(Date.now() / 30_000);
      const step = Math.max(now, (this.lastStep.get(name) ?? -1) + 1);
      if (step <= now + 1) {
        this.lastStep.set(name, step);
        return codeFor(this.account(name).totpSecret, step - now);
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  /** `erasure login --account <id>` for the account, once. */
  login(name: string): Promise<void> {
    let done = this.signedIn.get(name);
    if (!done) {
      const a = this.account(name);
      done = this.code(name)
        .then((code) => runCli(['login', '--account', a.id], a.env, `${a.password}\n${code}\n`))
        .then((r) => {
          if (r.code !== 0) throw new Error(`login of ${name} failed: ${r.stderr}`);
        });
      this.signedIn.set(name, done);
    }
    return done;
  }

  /**
   * Runs a command as a test account: `as` names it, or the first test account whose role
   * the command allows. `stdin` answers what the CLI asks (a step-up's code).
   */
  async run(args: readonly string[], as?: string, stdin?: string): Promise<Run> {
    const access = this.access(args);
    const name = as ?? Object.entries(TEST_ACCOUNTS).find(([, role]) => !access || access.roles.includes(role))?.[0] ?? 'cora';
    await this.login(name);
    // A command that shows personal data asks for the second factor again (once within the step-up window).
    const answer = stdin ?? (access?.stepUp && this.account(name).role === 'screened-reviewer' ? `${await this.code(name)}\n` : '');
    return runCli(args, this.account(name).env, answer);
  }

  private access(args: readonly string[]) {
    try {
      const line = parseCommandLine([...args]);
      return line.kind === 'command' ? COMMAND_ACCESS[line.command as ServiceCommand] : undefined;
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
