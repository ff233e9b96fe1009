import { NativeConnection, Worker } from '@temporalio/worker';

/** A worker for the orchestration floor: the minimal workflow and a no-op activity, nothing else. */
async function main(): Promise<void> {
  const [address = '', taskQueue = 'bench-minimal'] = process.argv.slice(2);
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('./minimal-workflows'),
    activities: { noop: (id: string) => Promise.resolve(id) },
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
