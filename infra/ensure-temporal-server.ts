import { resolveTemporalServer } from './temporal-server';

/** Before `npm run test:cluster`: finds or builds the Temporal server (and its SQL tool and schema) and says which one. */
resolveTemporalServer(process.env)
  .then((found) => console.log(`Temporal server (${found.source}): ${found.server}`))
  .catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
