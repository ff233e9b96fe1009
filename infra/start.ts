import type { Pool } from 'pg';
import { createPool } from '../activities/pg-pool';
import { parseConfig } from '../schemas/config';
import { configuredAdapters } from '../activities/storage';
import { startLifecycles } from '../cli/start-lifecycles';
import { startWorker, type RunningWorker } from '../workers/worker';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { DEMO_DOSSIER, loadDemo } from './demo';
import { join } from 'node:path';
import { loadKeys } from './keys';
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
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let stack: Stack | undefined;
  let worker: RunningWorker | undefined;
  let registry: Pool | undefined;
  let connection: Connection | undefined;
  let progressTimer: NodeJS.Timeout | undefined;
  let mailSink: MailSink | undefined;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (progressTimer) clearInterval(progressTimer);
    log('\nStopping: worker, then Temporal, then PostgreSQL...');
    await worker?.shutdown().catch((err: unknown) => log(`worker: ${(err as Error).message}`));
    await connection?.close().catch(() => undefined);
    await registry?.end().catch(() => undefined);
    await mailSink?.stop().catch(() => undefined);
    await stack?.stop().catch((err: unknown) => log(`stack: ${(err as Error).message}`));
    log('Stopped. State is kept in the data folder; `npm start` resumes it.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    stack = await startStack(config, log);
    const keys = loadKeys(config, { create: true });
    let smtpUrl = config.SMTP_URL;
    if (!smtpUrl) {
      mailSink = await startMailSink(join(stack.dataDir, 'mail'), config.SMTP_SINK_PORT);
      smtpUrl = mailSink.url;
      log(`Mail: demo SMTP sink on ${mailSink.url}; messages are written to ${mailSink.dir}`);
    }
    worker = await startWorker({
      target: stack.target,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      databases: stack.databases,
      keys,
      smtpUrl,
      mailFrom: config.MAIL_FROM,
      coordinatorsEmail: config.COORDINATORS_EMAIL,
    });
    worker.done.catch((err: unknown) => {
      log(`worker stopped unexpectedly: ${(err as Error).message}`);
      void stop(1);
    });
    log(`Worker: polling task queue "${config.TEMPORAL_TASK_QUEUE}"`);

    registry = createPool(stack.databases.registry, 4);
    if (config.CASE_DATABASE_URL) {
      // Never write synthetic rows into a real case administration.
      log('CASE_DATABASE_URL is set: the demo dossier is not loaded. Use `npm run cli -- import ...`.');
      return;
    }
    const storage = configuredAdapters(stack.databases);
    const demo = await loadDemo(registry, stack.databases.caseAdmin, storage.adapters, keys.hmacKey).finally(() => storage.close());
    log(
      demo.loaded
        ? `Demo: loaded dossier ${DEMO_DOSSIER} with ${demo.records} synthetic records (policy ${demo.policy.version})`
        : `Demo: dossier ${DEMO_DOSSIER} was loaded before (${demo.records} records, policy ${demo.policy.version}); resuming`,
    );
    connection = await Connection.connect(stack.target.connection);
    const client = new Client({ connection, namespace: stack.target.namespace });
    const started = await startLifecycles({ client, registry, taskQueue: config.TEMPORAL_TASK_QUEUE, dossier: DEMO_DOSSIER });
    log(`Lifecycles: ${started.started} started, ${started.alreadyPresent} already present`);

    const ui = stack.uiUrl ? `${stack.uiUrl}/namespaces/${stack.target.namespace}/workflows` : '(TEMPORAL_ADDRESS server)';
    log(`
Ready.
  Temporal Web UI   ${ui}
  inquiry cutoff    ${demo.policy.inquiryCutoff}
  purge start       ${demo.policy.purgeStart}   (records are erased from then on)

In another terminal:
  npm run cli -- list --dossier ${DEMO_DOSSIER}
  npm run cli -- status R-DEMO-0001
  npm run cli -- list --phase erased

Ctrl-C stops everything; a second \`npm start\` resumes the same workflows.
`);
    let lastErased = -1;
    const report = async () => {
      const { rows } = await (registry as Pool).query<{ total: string; erased: string }>(
        'SELECT count(*) AS total, count(erased_at) AS erased FROM records WHERE dossier = $1',
        [DEMO_DOSSIER],
      );
      const erased = Number(rows[0]?.erased ?? 0);
      if (erased !== lastErased) {
        lastErased = erased;
        log(`[${new Date().toISOString()}] ${DEMO_DOSSIER}: ${erased}/${rows[0]?.total ?? 0} records erased and certified`);
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
