import { upsertPurgeSchedule } from './purge-schedule';
import { PURGE_SCHEDULE_ID } from '../schemas/purge';
import type { Pool } from 'pg';
import { createPool } from '../activities/pg-pool';
import { parseConfig } from '../schemas/config';
import { configuredAdapters } from '../activities/storage';
import { startLifecycles } from '../cli/start-lifecycles';
import { configuredWorkerSettings, startWorker, type RunningWorker } from '../workers/worker';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { DEMO_DOSSIER, DEMO_SPECS, loadDemoDossier, writeDemoInquiry } from './demo';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { backupsDir } from './paths';
import { demoStoragePaths, storageOptions } from './storage-options';
import { loadKeys, loadPayloadKeys } from './keys';
import { ActionSigner } from '../service/action-signer';
import { dataConverter } from './payload-codec';
import { codecOrigins, startCodecServer, type RunningCodecServer } from './codec-server';
import { sessionChecker } from '../service/auth-wiring';
import { startService, type RunningService } from '../service/start';
import { ensureDemoAccounts, formatCredentials } from '../service/auth/demo-accounts';
import { startMailSink, type MailSink } from './mail-sink';
import { startStack, type Stack } from './stack';

const log = (line: string) => console.log(line);

/**
 * `npm start`: the whole product on embedded defaults. The composition root, so it may
 * import every layer: dev server, PostgreSQL, migrations, worker, demo dossier.
 */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  // The worker's own INFO lines (bundling, state changes) would bury what a coordinator needs to read.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  let stack: Stack | undefined;
  let worker: RunningWorker | undefined;
  let registry: Pool | undefined;
  let connection: Connection | undefined;
  let progressTimer: NodeJS.Timeout | undefined;
  let mailSink: MailSink | undefined;
  let codecServer: RunningCodecServer | undefined;
  let codecRegistry: Pool | undefined;
  let service: RunningService | undefined;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) {
      // A second Ctrl-C: stop waiting. The dev server and the database supervisor are
      // tied to this process and go down with it.
      log('Forced stop.');
      process.exit(code || 130);
    }
    stopping = true;
    if (progressTimer) clearInterval(progressTimer);
    log('\nStopping: worker, then Temporal, then PostgreSQL...');
    await worker?.shutdown().catch((err: unknown) => log(`worker: ${(err as Error).message}`));
    await connection?.close().catch(() => undefined);
    await registry?.end().catch(() => undefined);
    await mailSink?.stop().catch(() => undefined);
    await service?.stop().catch(() => undefined);
    await codecServer?.stop().catch(() => undefined);
    await codecRegistry?.end().catch(() => undefined);
    await stack?.stop().catch((err: unknown) => log(`stack: ${(err as Error).message}`));
    log('Stopped. State is kept in the data folder; `npm start` resumes it.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    // The Web UI asks this codec server to decode payloads; it answers screened reviewers only.
    const codecEndpoint = `http://localhost:${config.ERASURE_CODEC_PORT}`;
    stack = await startStack(config, log, { uiCodecEndpoint: codecEndpoint });
    const keys = loadKeys(config, { create: true });
    const payloadKeys = loadPayloadKeys(config, { create: true });
    const signer = ActionSigner.fromConfig(config, { create: true });
    codecRegistry = createPool(stack.databases.registry, 2);
    codecServer = await startCodecServer({
      port: config.ERASURE_CODEC_PORT,
      payloadKeys,
      checkSession: sessionChecker(codecRegistry, config),
      registry: codecRegistry,
      allowedOrigins: codecOrigins(config),
    });
    log(
      `Codec server: ${codecEndpoint} for the Web UI (payloads are encrypted; a screened reviewer's session decodes: paste \`npm run cli -- whoami --token\` at ${codecEndpoint}/login)`,
    );
    let smtpUrl = config.SMTP_URL;
    if (!smtpUrl) {
      mailSink = await startMailSink(join(stack.dataDir, 'mail'), config.SMTP_SINK_PORT);
      smtpUrl = mailSink.url;
      log(`Mail: demo SMTP sink on ${mailSink.url}; messages are written to ${mailSink.dir}`);
    }
    // The demo's document store and mailbox, in the data folder (found there by the CLI too), unless configured.
    const demoFiles = config.CASE_DATABASE_URL ? undefined : { ...demoStoragePaths(config), backupsDir: backupsDir(config) };
    if (demoFiles && !config.ERASURE_DOCUMENTS_ROOT) mkdirSync(demoFiles.documentsRoot, { recursive: true });
    if (demoFiles && !config.ERASURE_MAILDIR && !config.ERASURE_IMAP_URL)
      for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(demoFiles.maildir, sub), { recursive: true });
    const storage = storageOptions(config);
    log(
      `Storage: case administration, documents ${storage.documentsRoot ?? '(none)'}, mailbox ${storage.maildir ?? (storage.imap ? `imap ${storage.imap.host}:${storage.imap.port}` : '(none)')}, backups ${backupsDir(config)}`,
    );
    worker = await startWorker({ ...configuredWorkerSettings(config), target: stack.target, databases: stack.databases, keys, payloadKeys, smtpUrl });
    worker.done.then(
      () => {
        if (!stopping) {
          log('worker stopped; stopping the rest');
          void stop(1);
        }
      },
      (err: unknown) => {
        log(`worker stopped unexpectedly: ${(err as Error).message}`);
        void stop(1);
      },
    );
    log(`Worker: polling task queue "${config.TEMPORAL_TASK_QUEUE}"`);

    // The service holds the credentials; the CLI signs in to it. The stack's databases are its own unless configured.
    service = await startService(
      parseConfig({
        ...process.env,
        DATABASE_URL: stack.databases.registry,
        CASE_DATABASE_URL: stack.databases.caseAdmin,
        TEMPORAL_ADDRESS: stack.target.connection.address,
      }),
    );
    log(`Erasure service: ${service.url} (every person's command goes through it; sign in with \`npm run cli -- login --account <id>\`)`);
    const accountsFile = join(stack.dataDir, 'demo-accounts.txt');
    const demoAccounts = await ensureDemoAccounts(service.accounts, accountsFile);
    if (demoAccounts.created.length) {
      log(`\nDemo accounts, shown this once (also in ${accountsFile}, readable by you only):\n${formatCredentials(demoAccounts.created)}`);
    } else log(`Demo accounts: created before; their passwords and second-factor secrets are in ${accountsFile}`);

    registry = createPool(stack.databases.registry, 4);
    if (config.CASE_DATABASE_URL) {
      // Never write synthetic rows into a real case administration.
      log('CASE_DATABASE_URL is set: the demo dossier is not loaded. Use `npm run cli -- import ...`.');
      return;
    }
    const adapters = configuredAdapters(stack.databases, storage);
    // Demo files go where this deployment's systems are; a configured IMAP server gets no synthetic mail.
    const files =
      storage.documentsRoot && storage.maildir ? { documentsRoot: storage.documentsRoot, maildir: storage.maildir, backupsDir: backupsDir(config) } : undefined;
    const dossiers: Awaited<ReturnType<typeof loadDemoDossier>>[] = [];
    try {
      for (const spec of DEMO_SPECS)
        dossiers.push(await loadDemoDossier(registry, stack.databases.caseAdmin, adapters.adapters, keys.hmacKey, spec, new Date(), files));
    } finally {
      await adapters.close();
    }
    for (const d of dossiers) {
      log(
        d.loaded
          ? `Demo: loaded dossier ${d.dossier} with ${d.records} synthetic records (policy ${d.policy.version})`
          : `Demo: dossier ${d.dossier} was loaded before (${d.records} records, policy ${d.policy.version}); resuming`,
      );
    }
    connection = await Connection.connect(stack.target.connection);
    const client = new Client({ connection, namespace: stack.target.namespace, dataConverter: dataConverter(payloadKeys) });
    for (const d of dossiers) {
      const started = await startLifecycles({ client, registry, taskQueue: config.TEMPORAL_TASK_QUEUE, actionKeys: signer.publicKeys, dossier: d.dossier });
      log(`Lifecycles ${d.dossier}: ${started.started} started, ${started.alreadyPresent} already present`);
    }
    const [demo, inquiryDemo] = dossiers as [(typeof dossiers)[number], (typeof dossiers)[number]];
    // The demo's schedule runs every minute from the purge start; in production the default is nightly.
    const schedule = await upsertPurgeSchedule(client, {
      policy: demo.policy,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      every: '1m',
      actionKeys: signer.publicKeys,
      // The demo's schedule is created by the demo coordinator account.
      startedBy: signer.signPurgeStart({ user: 'coordinator', role: 'coordinator' }, { scheduleId: PURGE_SCHEDULE_ID }),
    });
    log(`Purge schedule ${PURGE_SCHEDULE_ID}: ${schedule.created ? 'created' : 'updated'}; first run at ${demo.policy.purgeStart}, then every minute (demo)`);
    const inquiryFile = writeDemoInquiry(join(stack.dataDir, 'demo'), inquiryDemo.persons[0]!, new Date(), files?.maildir);

    const ui = stack.uiUrl ? `${stack.uiUrl}/namespaces/${stack.target.namespace}/workflows` : '(TEMPORAL_ADDRESS server)';
    log(`
Ready.
  Console           ${service.url}/   sign in as coordinator, reviewer-1, officer-1 … (passwords and secrets above;
                    the code: \`npm run totp -- <secret>\`); the coordinators' work, inbox to certificate
  Temporal Web UI   ${ui}
  ${DEMO_DOSSIER}            inquiry cutoff ${demo.policy.inquiryCutoff}, purge start ${demo.policy.purgeStart}: erased by the purge schedule's runs
  ${inquiryDemo.dossier}        inquiry cutoff ${inquiryDemo.policy.inquiryCutoff}: try the inquiry path before then
  mail              ${mailSink ? `${mailSink.dir} (one .eml file per message)` : (config.SMTP_URL ?? '')}

In another terminal, sign in first (password, then the 6-digit code from an authenticator app
with the account's secret, e.g. \`oathtool --totp -b <secret>\`):
  npm run cli -- login --account coordinator
  npm run cli -- list --dossier ${DEMO_DOSSIER}
  npm run cli -- status R-DEMO-0001
  npm run cli -- purge run --dry-run                 what a run would destroy now (changes nothing)
  npm run cli -- purge schedule describe
  npm run cli -- report --html report.html
  npm run cli -- inquiry register ${inquiryFile} --policy ${inquiryDemo.policy.version}
  npm run cli -- consent R-DEMO-INQ-0001 --given
  npm run cli -- identity R-DEMO-INQ-0001 --method in-person-document --reference BALIE-2024-0117
then as a screened reviewer (the consultation asks for the second factor again):
  npm run cli -- login --account reviewer-1
  npm run cli -- consult R-DEMO-INQ-0001 --purpose "explanation to requester"
  npm run cli -- explain R-DEMO-INQ-0001 --language en

Ctrl-C stops everything; a second \`npm start\` resumes the same workflows.
`);
    let last = '';
    const report = async () => {
      const { rows } = await (registry as Pool).query<{ dossier: string; total: string; erased: string }>(
        'SELECT dossier, count(*) AS total, count(erased_at) AS erased FROM records WHERE dossier = ANY($1) GROUP BY dossier ORDER BY dossier',
        [dossiers.map((d) => d.dossier)],
      );
      const line = rows.map((r) => `${r.dossier}: ${r.erased}/${r.total} erased`).join(', ');
      if (line !== last) {
        last = line;
        log(`[${new Date().toISOString()}] ${line}`);
      }
    };
    await report();
    progressTimer = setInterval(() => void report().catch(() => undefined), 5_000);
  } catch (err) {
    log(`npm start failed: ${(err as Error).message}`);
    await stop(1);
  }
}

void main();
