#!/usr/bin/env node
// `npm start` from a fresh clone: install what is missing, build, then run the stack.
// Plain JavaScript with no dependencies, because it runs before `npm ci` has.
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Node.js ${process.versions.node} is too old: this project needs 20.19 or newer (it loads ES-module packages with require).`);
  process.exit(1);
}

const root = join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args) => {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs) {
  console.log('Installing dependencies (npm ci)...');
  run(npm, ['ci', '--no-audit', '--no-fund']);
}
console.log('Building (tsc)...');
run(npm, ['run', '--silent', 'build']);

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
