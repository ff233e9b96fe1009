import { parseConfig } from '../schemas/config';
import { startService } from './start';

/** `npm run service`: the erasure service on its own (a deployment's; `npm start` runs one itself), until SIGTERM or Ctrl-C. */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const service = await startService(config);
  console.log(`erasure service on ${service.url}; Ctrl-C stops it`);
  const stop = () => void service.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(`the erasure service did not start: ${(err as Error).message}`);
  process.exit(1);
});
