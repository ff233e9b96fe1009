import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveTemporalServer, temporalServerCacheDir, TEMPORAL_SERVER_VERSION } from '../../infra/temporal-server';

/**
 * The resolve order and the build path without a real compile (minutes of two cores):
 * a stand-in `go` that answers `version`, `env GOMODCACHE` and `install` as Go does.
 */
describe('resolveTemporalServer - TEMPORAL_SERVER_PATH, the user cache, else go install', () => {
  let dir: string;
  let savedCache: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'temporal-server-'));
    savedCache = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = join(dir, 'cache');
  });
  afterEach(() => {
    if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCache;
    rmSync(dir, { recursive: true, force: true });
  });

  const executable = (path: string, text = '#!/bin/sh\nexit 0\n') => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    chmodSync(path, 0o755);
  };
  /** A `go` whose install writes `server` and `sql` into GOBIN and logs its arguments; its module cache holds the schema. */
  const fakeGo = () => {
    const modules = join(dir, 'gomod');
    const schema = join(modules, `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`, 'schema/postgresql/v12');
    mkdirSync(join(schema, 'temporal/versioned/v1.0'), { recursive: true });
    mkdirSync(join(schema, 'visibility/versioned/v1.0'), { recursive: true });
    writeFileSync(join(schema, 'temporal/versioned/v1.0/manifest.json'), '{}');
    chmodSync(join(schema, 'temporal/versioned/v1.0/manifest.json'), 0o444); // as the module cache keeps it
    executable(
      join(dir, 'bin', 'go'),
      [
        '#!/bin/sh',
        'case "$1" in',
        '  version) echo "go version go1.26.8 linux/amd64" ;;',
        `  env) echo "${modules}" ;;`,
        `  install) echo "$@" > "${dir}/install-args"; printf '#!/bin/sh\\n' > "$GOBIN/server"; printf '#!/bin/sh\\n' > "$GOBIN/sql"; chmod +x "$GOBIN/server" "$GOBIN/sql" ;;`,
        'esac',
      ].join('\n'),
    );
    // The stand-in first; the shell's tools (chmod) after it.
    return { PATH: `${join(dir, 'bin')}:/usr/bin:/bin` };
  };

  it('resolveTemporalServer - nothing cached - builds both binaries with go install, renames the SQL tool, copies the schema, then finds it in the cache', async () => {
    const env = fakeGo();
    const lines: string[] = [];
    const built = await resolveTemporalServer(env, (line) => lines.push(line));
    const cache = temporalServerCacheDir();
    expect(built).toEqual({
      server: join(cache, 'server'),
      sqlTool: join(cache, 'temporal-sql-tool'),
      schemaDir: join(cache, 'schema/postgresql/v12'),
      source: 'built now',
    });
    expect(readFileSync(join(dir, 'install-args'), 'utf8').trim()).toBe(
      `install -v go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION} go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
    );
    expect(existsSync(join(cache, 'schema/postgresql/v12/temporal/versioned/v1.0/manifest.json'))).toBe(true);
    expect(existsSync(`${cache}.build`)).toBe(false);
    expect(lines[0]).toMatch(/^Building the Temporal server v1\.31\.0/);
    await expect(resolveTemporalServer(env)).resolves.toMatchObject({ source: 'user cache', server: join(cache, 'server') });
  });

  it('resolveTemporalServer - TEMPORAL_SERVER_PATH without the SQL tool beside it - says what is missing', async () => {
    executable(join(dir, 'own', 'server'));
    await expect(resolveTemporalServer({ TEMPORAL_SERVER_PATH: join(dir, 'own', 'server'), PATH: '' })).rejects.toThrow(/no temporal-sql-tool beside it/);
    executable(join(dir, 'own', 'temporal-sql-tool'));
    await expect(resolveTemporalServer({ TEMPORAL_SERVER_PATH: join(dir, 'own', 'server'), PATH: '' })).resolves.toEqual({
      server: join(dir, 'own', 'server'),
      sqlTool: join(dir, 'own', 'temporal-sql-tool'),
      schemaDir: undefined,
      source: 'TEMPORAL_SERVER_PATH',
    });
  });
});
