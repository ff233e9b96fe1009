#!/usr/bin/env node
// `npm start`, `npm test` and `npm run test:cluster` from a fresh clone on a bare machine: bring what is missing
// (npm dependencies, Debian's Dovecot for the tests, the Temporal CLI), build, then run.
// Plain JavaScript with no dependencies, because it runs before `npm ci` has.
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const { existsSync, lstatSync, statSync } = require('node:fs');
const { join } = require('node:path');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Node.js ${process.versions.node} is too old: this project needs 20.19 or newer (it loads ES-module packages with require).`);
  process.exit(1);
}

const root = join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const [mode = 'start', ...rest] = process.argv.slice(2);
const run = (cmd, args, env = process.env) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
const step = (text) => console.log(`\n> ${text}`);

/** Debian packages the command needs, by the binary that shows they are there. */
function ensureDebianPackages(packages) {
  const missing = packages.filter((p) => !p.present());
  if (missing.length === 0) return;
  const names = missing.map((p) => p.name).join(' ');
  const why = missing.map((p) => `${p.name} (${p.why})`).join(', ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    console.error(
      `Missing Debian package(s): ${why}.\n` +
        `Install them, then run the command again:\n\n    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${names}\n`,
    );
    process.exit(1);
  }
  step(`Installing ${why} with apt-get (once)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], env);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing.map((p) => p.name)], env);
}

const installed = join(root, 'node_modules', '.package-lock.json');
function ensureNpmDependencies() {
  // A node_modules linked from another checkout (a git worktree) is that checkout's to
  // install: `npm ci` here would delete it under the other checkout's feet.
  if (lstatSync(join(root, 'node_modules'), { throwIfNoEntry: false })?.isSymbolicLink()) return;
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs) return;
  step('Installing dependencies (npm ci)...');
  run(npm, ['ci', '--no-audit', '--no-fund']);
}

const tsc = () => run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root]);

if (mode === 'test') {
  // The IMAP adapter's tests run against a real Dovecot (Debian's dovecot-imapd, with doveadm);
  // the time-skipping tests against Temporal's Java test server, fetched with Maven; the
  // console's tests in Debian's Chromium.
  const onPath = (bin) => (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, bin)));
  ensureDebianPackages([
    { name: 'dovecot-imapd', why: 'the IMAP server the mailbox tests run against', present: () => existsSync(process.env.DOVECOT_PATH ?? '/usr/sbin/dovecot') },
    {
      name: 'openjdk-17-jre-headless',
      why: "the Java runtime of Temporal's time-skipping test server",
      present: () => !!process.env.JAVA_HOME || onPath('java'),
    },
    { name: 'maven', why: "fetches Temporal's time-skipping test server from Maven Central", present: () => onPath('mvn') },
    // The console's browser tests drive Debian's Chromium through playwright-core (no browser download).
    { name: 'chromium', why: "the browser the console's tests drive", present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') },
  ]);
  ensureNpmDependencies();
  step('Lint (eslint, prettier)...');
  run(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.']);
  run(process.execPath, [join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '--log-level', 'warn', '.']);
  step('Building (tsc)...');
  tsc();
  // Finds the Temporal CLI or builds it with `go install` (minutes, once) before the tests' own time starts.
  step('Temporal CLI...');
  run(process.execPath, [join(root, 'dist', 'infra', 'ensure-temporal.js')]);
  step('Tests (jest)...');
  run(process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--runInBand', ...rest]);
  process.exit(0);
}

if (mode === 'cluster') {
  // The scenarios on a Temporal cluster on the embedded PostgreSQL: no Dovecot, Java or
  // Chromium, but the Temporal server, built with `go install` (minutes, once) before jest starts.
  ensureNpmDependencies();
  step('Building (tsc)...');
  tsc();
  step('Temporal server...');
  run(process.execPath, [join(root, 'dist', 'infra', 'ensure-temporal-server.js')]);
  step('Tests on the cluster (jest)...');
  run(process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--runInBand', '--config', join(root, 'jest.cluster.config.js'), ...rest]);
  process.exit(0);
}

if (mode !== 'start') {
  console.error(`infra/bootstrap.js: unknown mode "${mode}"; use start, test or cluster`);
  process.exit(2);
}
ensureNpmDependencies();
console.log('Building (tsc)...');
tsc();

const child = spawn(process.execPath, [join(root, 'dist', 'infra', 'start.js')], { cwd: root, stdio: 'inherit' });
// Pass signals on: a Ctrl-C in a terminal reaches the child as well, and a second
// SIGINT is harmless there (it stops once); a signal sent to this process alone must
// still stop everything.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
