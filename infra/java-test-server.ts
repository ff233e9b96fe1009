import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ToolMissingError } from '../schemas/errors';
import { isExecutable, onPath } from './executables';
import { freePort } from './free-port';
import { userCacheDir } from './paths';

/**
 * Temporal's time-skipping test server, the Java one from Maven Central: the SDK's own
 * download of its native build is out of reach here, Maven Central is not. 1.38.0 is the
 * newest release Maven Central served when this was written.
 */
export const JAVA_TEST_SERVER_VERSION = '1.38.0';
const ARTIFACT = { groupId: 'io.temporal', artifactId: 'temporal-test-server' };
const MAIN_CLASS = 'io.temporal.testserver.TestServer';
// The binding for the slf4j-api the test server depends on: without one, every start
// prints a three-line warning into the test output.
const SLF4J_NOP_VERSION = '1.7.36';
const LAUNCHER = 'temporal-test-server';
/** The launcher writes a class-data archive here instead of reading one (see `writeClassArchive`). */
const ARCHIVE_ENV = 'TEMPORAL_TEST_SERVER_ARCHIVE_AT_EXIT';

type Log = (line: string) => void;

/** The folder of one version: `lib/` (the jars), the launcher, and the class-data archive once written. */
export const javaTestServerDir = (version = JAVA_TEST_SERVER_VERSION) => join(userCacheDir(), 'temporal-test-server', version);

/**
 * The path of an executable that starts Temporal's Java test server as the TypeScript
 * SDK starts its own test-server binary (`<port> [--enable-time-skipping]`), for
 * `TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type:
 * 'existing-path', path } } })`. Reuses the user-level cache; otherwise fetches the
 * artifact and its runtime dependencies with Maven (once, about 40 MB).
 */
export async function ensureJavaTestServer(env: Record<string, string | undefined> = process.env, log: Log = (line) => console.log(line)): Promise<string> {
  // The launcher runs `java` as found here; JAVA_HOME first, as Maven does.
  const java = env.JAVA_HOME && isExecutable(join(env.JAVA_HOME, 'bin', 'java')) ? join(env.JAVA_HOME, 'bin', 'java') : onPath('java', env.PATH);
  if (!java) {
    throw new ToolMissingError(
      "Temporal's time-skipping test server runs on Java, and there is no `java` on PATH (nor in JAVA_HOME): " +
        'install Java 17 (Debian: `apt-get install openjdk-17-jre-headless`), then run the tests again',
    );
  }
  const dir = javaTestServerDir();
  const launcher = join(dir, LAUNCHER);
  if (!isExecutable(launcher)) await fetchInto(dir, env, log);
  if (!existsSync(join(dir, 'classes.jsa'))) await writeClassArchive(dir, env);
  return launcher;
}

async function fetchInto(dir: string, env: Record<string, string | undefined>, log: Log): Promise<void> {
  const mvn = onPath('mvn', env.PATH);
  if (!mvn) {
    throw new ToolMissingError(
      `Temporal's time-skipping test server ${JAVA_TEST_SERVER_VERSION} is not in ${dir} yet, and fetching it from Maven Central needs Maven: ` +
        'there is no `mvn` on PATH; install it (Debian: `apt-get install maven`), then run the tests again',
    );
  }
  const parent = join(dir, '..');
  mkdirSync(parent, { recursive: true });
  // Built beside its final place and renamed when complete, so that a fetch cut short
  // never leaves a folder that looks ready.
  const work = mkdtempSync(join(parent, `.${JAVA_TEST_SERVER_VERSION}.fetch-`));
  chmodSync(work, 0o755); // mkdtemp makes it private; the cache is readable like the Temporal CLI's
  try {
    log(
      `Fetching Temporal's Java test server ${JAVA_TEST_SERVER_VERSION} and its dependencies from Maven Central with ${mvn} (once, about 40 MB) into ${dir}...`,
    );
    writeFileSync(join(work, 'pom.xml'), pom());
    await run(
      mvn,
      [
        '-B',
        '-q',
        '--no-transfer-progress',
        '-f',
        join(work, 'pom.xml'),
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${join(work, 'lib')}`,
      ],
      env,
    );
    const jar = `${ARTIFACT.artifactId}-${JAVA_TEST_SERVER_VERSION}.jar`;
    if (!existsSync(join(work, 'lib', jar))) {
      throw new ToolMissingError(
        `mvn dependency:copy-dependencies finished but left no ${jar} in ${join(work, 'lib')} (it has: ${readdirSync(join(work, 'lib')).join(', ')})`,
      );
    }
    rmSync(join(work, 'pom.xml'));
    // Only warnings from the server's java.util.logging (gRPC, Netty), not every connection.
    writeFileSync(join(work, 'logging.properties'), 'handlers=java.util.logging.ConsoleHandler\n.level=WARNING\n');
    writeFileSync(join(work, LAUNCHER), launcherScript());
    chmodSync(join(work, LAUNCHER), 0o755);
    try {
      renameSync(work, dir);
    } catch (err) {
      // Another process finished the same fetch first: use theirs.
      if (!isExecutable(join(dir, LAUNCHER))) throw err;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const pom = () => `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by infra/java-test-server.ts only to have Maven fetch the test server's runtime jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>erasure-orchestrator</groupId>
  <artifactId>temporal-test-server-fetch</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>${ARTIFACT.groupId}</groupId>
      <artifactId>${ARTIFACT.artifactId}</artifactId>
      <version>${JAVA_TEST_SERVER_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-nop</artifactId>
      <version>${SLF4J_NOP_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;

const launcherScript = () => `#!/bin/sh
# Temporal's Java test server ${JAVA_TEST_SERVER_VERSION}, fetched from Maven Central by the
# erasure orchestrator's infra/java-test-server.ts. Arguments as for the SDK's own
# test-server binary: <port> [--enable-time-skipping].
dir=$(cd "$(dirname "$0")" && pwd -P)
set -- -cp "$dir/lib/*" ${MAIN_CLASS} "$@"
# The SDK gives the server 5 seconds to answer; a class-data archive halves the JVM's start.
if [ -n "$${ARCHIVE_ENV}" ]; then
  set -- "-XX:ArchiveClassesAtExit=$${ARCHIVE_ENV}" "$@"
elif [ -f "$dir/classes.jsa" ]; then
  set -- "-XX:SharedArchiveFile=$dir/classes.jsa" "$@"
fi
# exec: the SDK stops the server by killing the process it started.
exec "\${JAVA_HOME:+$JAVA_HOME/bin/}java" "-Djava.util.logging.config.file=$dir/logging.properties" "$@"
`;

function run(command: string, args: string[], env: Record<string, string | undefined>): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk: Buffer) => void (tail = (tail + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => reject(new ToolMissingError(`cannot run ${command}: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolvePromise();
      else reject(new ToolMissingError(`${command} ${args.slice(-3).join(' ')} failed (exit ${code}):\n${tail}`));
    });
  });
}

/**
 * Starts the server once with the JVM recording the classes it loads, stops it, and
 * keeps the archive for later starts (about 1 s instead of 3–4 s on two cores). Best
 * effort: without the archive the server only starts slower. Written through the
 * launcher so that the class path recorded is the one later starts present.
 */
async function writeClassArchive(dir: string, env: Record<string, string | undefined>): Promise<void> {
  const part = join(dir, `classes.jsa.${process.pid}.part`);
  const port = await freePort();
  const child = spawn(join(dir, LAUNCHER), [String(port)], { env: { ...env, [ARCHIVE_ENV]: part }, stdio: 'ignore' });
  const exited = new Promise<void>((resolvePromise) => {
    child.once('exit', () => resolvePromise());
    child.once('error', () => resolvePromise());
  });
  try {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && child.exitCode === null && !(await listening(port))) await new Promise((r) => setTimeout(r, 100));
  } finally {
    // SIGTERM: the JVM writes the archive on an orderly exit.
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  }
  if (existsSync(part)) renameSync(part, join(dir, 'classes.jsa'));
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => resolvePromise(false));
  });
}
