import { statSync } from 'node:fs';
import { join } from 'node:path';
import { TestService, codeFor, runCli } from '../helpers/cli';
import { uniqueId } from '../helpers/services';

/** Signing in and managing accounts through the CLI, as people do it: the administrator, a new coordinator, a wrong guess. */
describe('erasure login and erasure users - accounts, second factor, lockout, sessions, the security log', () => {
  let service: TestService;
  beforeAll(async () => {
    service = new TestService(uniqueId('tq-accounts'));
    await service.start();
  });
  afterAll(async () => {
    await service?.stop();
  });
  const envOf = (name: string) => ({
    ...service.account('ada').env,
    ERASURE_CONFIG_DIR: join(service.account('ada').env.ERASURE_CONFIG_DIR as string, '..', name),
  });

  it('erasure login - the second factor is required; a wrong password, a wrong code and an unknown account get the same answer, then the name is locked', async () => {
    const cora = service.account('cora');
    const env = envOf('guess');
    const generic = 'the account name, password or code is not right; check them and try again';
    const wrongPassword = await runCli(['login', '--account', cora.id], env, `not-the-password\n${await codeFor(cora.totpSecret)}\n`);
    expect(wrongPassword).toMatchObject({ code: 1, stderr: `${generic}\n` });
    const wrongCode = await runCli(['login', '--account', cora.id], env, `${cora.password}\n000000\n`);
    expect(wrongCode.stderr).toBe(`${generic}\n`);
    const unknown = await runCli(['login', '--account', uniqueId('nobody')], env, `whatever\n123456\n`);
    expect(unknown.stderr).toBe(`${generic}\n`);
    expect((await runCli(['login', '--account', cora.id], env, `${cora.password}\nabc\n`)).stderr).toContain('the 6 digits your authenticator app shows');
    expect((await runCli(['whoami'], env)).stderr).toContain('not signed in');

    // Five failures for one name lock it, whether or not it exists; the right password does not help then.
    const victim = uniqueId('ghost');
    let last = '';
    for (let i = 0; i < 6; i++) last = (await runCli(['login', '--account', victim], env, `guess-${i}\n123456\n`)).stderr;
    expect(last).toMatch(/^too many failed attempts: try again in \d+ s\n$/);

    await service.login('cora');
    const session = statSync(join(cora.env.ERASURE_CONFIG_DIR as string, 'session.json'));
    expect(session.mode & 0o777).toBe(0o600);
    expect((await runCli(['whoami'], cora.env)).stdout).toContain(`${cora.id} (coordinator), signed in by password and second factor`);
  });

  it('erasure users - the administrator adds, resets and disables an account; other roles are refused; all of it is in the security log', async () => {
    const ada = service.account('ada');
    await service.login('ada');
    const id = uniqueId('dana');
    const added = await runCli(['users', 'add', id, '--role', 'coordinator'], ada.env);
    expect(added).toMatchObject({ code: 0, stdout: expect.stringContaining(`account ${id} (coordinator) created`) });
    const password = /password\s+(\S+)/.exec(added.stdout)?.[1] ?? '';
    const secret = /second factor secret\s+(\S+)/.exec(added.stdout)?.[1] ?? '';
    expect(password).toHaveLength(20);
    expect((await runCli(['users', 'add', id, '--role', 'coordinator'], ada.env)).stderr).toContain(id);
    expect((await runCli(['users', 'add', uniqueId('x'), '--role', 'boss'], ada.env)).stderr).toContain("--role: give the account's role");

    const dana = envOf(id);
    const login = await runCli(['login', '--account', id], dana, `${password}\n${await codeFor(secret)}\n`);
    expect(login).toMatchObject({ code: 0, stdout: expect.stringContaining(`signed in as ${id} (coordinator)`) });
    expect((await runCli(['users', 'list'], dana)).stderr).toContain(
      `\`erasure users list\` is for the role administrator; you are signed in as ${id} (coordinator)`,
    );
    expect((await runCli(['users', 'list'], ada.env)).stdout).toMatch(new RegExp(`${id}\\s+coordinator\\s+password\\s+active`));

    const reset = await runCli(['users', 'reset-2fa', id], ada.env);
    const newSecret = /second factor secret\s+(\S+)/.exec(reset.stdout)?.[1] ?? '';
    expect(newSecret).not.toBe(secret);
    expect((await runCli(['login', '--account', id], envOf(`${id}-old`), `${password}\n${await codeFor(secret, 1)}\n`)).code).toBe(1);

    expect((await runCli(['users', 'disable', id], ada.env)).stdout).toContain(`account ${id} disabled`);
    const after = await runCli(['whoami'], dana);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain(`the account ${id} is disabled`);
    expect((await runCli(['login', '--account', id], envOf(`${id}-again`), `${password}\n${await codeFor(newSecret)}\n`)).stderr).toContain(
      'the account name, password or code is not right',
    );

    const log = await runCli(['security-log', '--account', id], ada.env);
    for (const event of ['account-added', 'login', 'forbidden', 'second-factor-reset', 'login-failed', 'account-disabled']) expect(log.stdout).toContain(event);
    expect(log.stdout).not.toContain(password);
    expect((await runCli(['logout'], ada.env)).stdout).toContain(`signed out (${ada.id})`);
    expect((await runCli(['users', 'list'], ada.env)).stderr).toContain('not signed in');
  });
});
