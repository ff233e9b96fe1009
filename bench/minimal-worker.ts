import { NativeConnection, Worker } from '@temporalio/worker';
import { loadPayloadKeys } from '../infra/keys';
import { dataConverter } from '../infra/payload-codec';
import { parseConfig } from '../schemas/config';
import { workerTunables } from '../workers/worker';

/**
 * A worker for the orchestration floor: the minimal workflow and a no-op activity, nothing
 * else, with the product's data converter (ERASURE_PAYLOAD_KEY) and worker tunables, so
 * the comparison is fair.
 */
async function main(): Promise<void> {
  const [address = '', taskQueue = 'bench-minimal'] = process.argv.slice(2);
  const config = parseConfig(process.env);
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('./minimal-workflows'),
    activities: { noop: (id: string) => Promise.resolve(id) },
    dataConverter: dataConverter(loadPayloadKeys(config)),
    ...workerTunables(config),
  });
  const stop = () => worker.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  console.log(`worker polling task queue "${taskQueue}"`);
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
