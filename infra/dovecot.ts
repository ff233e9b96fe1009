import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { ToolMissingError } from '../schemas/errors';
import { freePort } from './free-port';

export interface DovecotOptions {
  /** A private folder for the configuration, sockets, state, log and mail. */
  readonly dir: string;
  /** The one IMAP user, logging in with `password` (plain text, over 127.0.0.1 only). */
  readonly user: string;
  readonly password: string;
  readonly port?: number;
  readonly startTimeoutMs?: number;
  /** Also serve doveadm's HTTP API on a free loopback port, with a generated API key. */
  readonly doveadmHttp?: boolean;
}

/** Dovecot's administrative HTTP API (POST /doveadm/v1), as `ERASURE_DOVEADM_URL` and `ERASURE_DOVEADM_API_KEY` take it. */
export interface DoveadmEndpoint {
  readonly url: string;
  readonly apiKey: string;
}

export interface DovecotServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The user's Maildir (Maildir++, folders as `.Name/`), as Dovecot writes it. */
  readonly maildir: string;
  readonly logFile: string;
  /** Set when started with `doveadmHttp`. */
  readonly doveadm?: DoveadmEndpoint;
  stop(): Promise<void>;
}

/** nobody/nogroup: Dovecot refuses to access mail as root, and this id owns nothing else. */
const MAIL_ID_WHEN_ROOT = 65534;
const HOST = '127.0.0.1';

/**
 * A private Dovecot IMAP server (for tests and demos): its own configuration, sockets and
 * state under `dir`, one user, IMAP without TLS on 127.0.0.1 only, so it never meets a
 * system Dovecot or another instance.
 */
export async function startDovecot(options: DovecotOptions): Promise<DovecotServer> {
  const binary = process.env.DOVECOT_PATH ?? '/usr/sbin/dovecot';
  if (!existsSync(binary)) {
    throw new ToolMissingError(`no Dovecot at ${binary}: install it with \`apt-get install dovecot-imapd\`, or set DOVECOT_PATH to the dovecot binary`);
  }
  const version = await dovecotVersion(binary);
  // 2.4 renamed and restructured the settings written below (passdb/userdb blocks,
  // mail_location, disable_plaintext_auth): refuse clearly rather than fail in its log.
  if (!/^2\.3\./.test(version)) throw new ToolMissingError(`${binary} is Dovecot ${version}; this configuration is written for Dovecot 2.3`);
  for (const [name, value] of [
    ['user', options.user],
    ['password', options.password],
  ] as const) {
    if (!/^[\x21-\x7e]+$/.test(value) || value.includes(':')) throw new Error(`Dovecot ${name} must be printable ASCII without spaces or ":"`);
  }

  mkdirSync(options.dir, { recursive: true });
  const dir = realpathSync(options.dir);
  // The path goes unquoted into dovecot.conf and through its %-variable expansion.
  if (!/^[\w./+-]+$/.test(dir)) throw new Error(`Dovecot dir ${dir} may hold only letters, digits and . _ / + -`);
  const port = options.port ?? (await freePort());
  const doveadm = options.doveadmHttp ? { port: await freePort(), apiKey: randomBytes(24).toString('hex') } : undefined;
  const logFile = join(dir, 'dovecot.log');
  const mailHome = join(dir, 'mail');
  const confFile = join(dir, 'dovecot.conf');
  mkdirSync(mailHome, { recursive: true, mode: 0o700 });
  if (process.getuid?.() === 0) {
    chownSync(mailHome, MAIL_ID_WHEN_ROOT, MAIL_ID_WHEN_ROOT);
    // The doveadm server serves many users from one process, so it only drops privileges
    // temporarily and cannot chroot: the mail uid must pass through `dir` (search, not list;
    // every file in it stays 0600).
    if (doveadm) chmodSync(dir, 0o711);
  }
  writeFileSync(join(dir, 'users'), `${options.user}:{PLAIN}${options.password}\n`, { mode: 0o600 });
  writeFileSync(confFile, configuration({ dir, port, logFile, mailHome, doveadm }), { mode: 0o600 });

  const logFd = openSync(logFile, 'a');
  // Its own process group, so a Ctrl-C reaches the test runner first, which then stops it.
  const child = spawn(binary, ['-F', '-c', confFile], { stdio: ['ignore', logFd, logFd], detached: true });
  closeSync(logFd);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));

  const server: DovecotServer = {
    host: HOST,
    port,
    user: options.user,
    password: options.password,
    maildir: join(mailHome, 'Maildir'),
    logFile,
    ...(doveadm ? { doveadm: { url: `http://${HOST}:${doveadm.port}`, apiKey: doveadm.apiKey } } : {}),
    stop: () => stopChild(child),
  };
  try {
    await waitForGreeting(child, port, options.startTimeoutMs ?? 20_000, logFile);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return server;
}

function configuration(paths: { dir: string; port: number; logFile: string; mailHome: string; doveadm: { port: number; apiKey: string } | undefined }): string {
  const root = process.getuid?.() === 0;
  const me = userInfo();
  const mailUid = root ? MAIL_ID_WHEN_ROOT : me.uid;
  const mailGid = root ? MAIL_ID_WHEN_ROOT : me.gid;
  const lines = [
    `base_dir = ${paths.dir}/run`,
    `state_dir = ${paths.dir}/state`,
    `instance_name = dovecot-${paths.port}`,
    `log_path = ${paths.logFile}`,
    'protocols = imap',
    `listen = ${HOST}`,
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    // Only the one mail uid/gid may log in: the userdb below cannot hand out another.
    `first_valid_uid = ${mailUid}`,
    `last_valid_uid = ${mailUid}`,
    `first_valid_gid = ${mailGid}`,
    `last_valid_gid = ${mailGid}`,
    'mail_location = maildir:~/Maildir',
    'namespace inbox {',
    '  inbox = yes',
    '  separator = /',
    '}',
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${paths.dir}/users`,
    '}',
    'userdb {',
    '  driver = static',
    // As root, the mail processes are chrooted into the mail home ("/./" marks the chroot),
    // so the unprivileged mail uid never has to traverse `dir` (a private 0700 temp folder).
    `  args = uid=${mailUid} gid=${mailGid} home=${root ? `${paths.mailHome}/./` : paths.mailHome}`,
    '}',
    'service imap-login {',
    '  inet_listener imap {',
    `    address = ${HOST}`,
    `    port = ${paths.port}`,
    '  }',
    '  inet_listener imaps {',
    '    port = 0',
    '  }',
    '}',
  ];
  if (paths.doveadm) {
    lines.push(
      // Hex, so the key needs no quoting in dovecot.conf; the file is 0600.
      `doveadm_api_key = ${paths.doveadm.apiKey}`,
      'service doveadm {',
      '  inet_listener http {',
      `    address = ${HOST}`,
      `    port = ${paths.doveadm.port}`,
      '  }',
      '}',
    );
  }
  if (root) {
    lines.push(
      `valid_chroot_dirs = ${paths.mailHome}`,
      // The auth processes read the passwd-file inside `dir`, which the default `dovecot`
      // user cannot enter.
      'service auth {',
      '  user = root',
      '}',
      'service auth-worker {',
      '  user = root',
      '}',
    );
  } else {
    // Rootless: every process runs as us, and nothing can chroot.
    lines.push(
      `default_internal_user = ${me.username}`,
      `default_login_user = ${me.username}`,
      `default_internal_group = ${groupName(mailGid)}`,
      'service anvil {',
      '  chroot =',
      '}',
      'service imap-login {',
      '  chroot =',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The name of a group (Dovecot's group settings take names), from /etc/group. */
function groupName(gid: number): string {
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[2] === String(gid));
  return line?.split(':')[0] ?? String(gid);
}

function dovecotVersion(binary: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, ['--version'], { timeout: 10_000 }, (err, stdout) => {
      if (err) reject(new ToolMissingError(`cannot run ${binary} --version: ${err.message}; install Dovecot with \`apt-get install dovecot-imapd\``));
      else resolve(stdout.trim());
    });
  });
}

/** Resolves once the server greets on the port; rejects with its log's tail if it exits or takes too long. */
async function waitForGreeting(child: ChildProcess, port: number, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  });
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', (err) => reject(new ToolMissingError(`cannot run Dovecot: ${err.message}`))));
  spawnFailed.catch(() => undefined);
  let lastProblem = '';
  while (Date.now() < deadline) {
    if (exit) throw new Error(`Dovecot ${exit} before it answered on ${HOST}:${port}. Its log (${logFile}):\n${logTail(logFile)}`);
    try {
      const greeting = await Promise.race([readGreeting(port), spawnFailed]);
      // Another server on the port would greet as well: only count it while ours still runs.
      if (greeting.startsWith('* OK') && child.exitCode === null && child.signalCode === null) return;
      lastProblem = `it greeted with "${greeting.slice(0, 80)}"`;
    } catch (err) {
      if (err instanceof ToolMissingError) throw err;
      lastProblem = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Dovecot did not greet on ${HOST}:${port} within ${timeoutMs} ms (${lastProblem}). Its log (${logFile}):\n${logTail(logFile)}`);
}

function readGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port, timeout: 2_000 });
    let text = '';
    const done = (err?: Error) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(text.split('\r\n')[0] ?? '');
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\r\n')) done();
    });
    socket.once('timeout', () => done(new Error('no greeting within 2 s')));
    socket.once('error', done);
    socket.once('end', () => done(new Error('closed before greeting')));
  });
}

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** SIGTERM (Dovecot then stops its imap processes too), SIGKILL to the group if it lingers. */
async function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, timeoutMs);
  await exited;
  clearTimeout(timer);
}
