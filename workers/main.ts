import { parseConfig } from '../schemas/config';
import { databaseUrls } from '../infra/database-urls';
import { loadKeys, loadPayloadKeys } from '../infra/keys';
import { temporalTarget } from '../infra/temporal-connection';
import { configuredWorkerSettings, startWorker } from './worker';

/** `npm run worker`: a worker for an already running Temporal server and PostgreSQL. */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const target = temporalTarget(config);
  if (!config.SMTP_URL) throw new Error('SMTP_URL is not set: the worker sends explanations and confirmations by e-mail (smtp://user:pass@relay:587)');
  const running = await startWorker({
    ...configuredWorkerSettings(config),
    target,
    databases: databaseUrls(config),
    keys: loadKeys(config),
    payloadKeys: loadPayloadKeys(config),
    smtpUrl: config.SMTP_URL,
  });
  console.log(`worker polling task queue "${config.TEMPORAL_TASK_QUEUE}" on ${target.connection.address ?? 'the configured server'}`);
  const stop = () => void running.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await running.done;
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
