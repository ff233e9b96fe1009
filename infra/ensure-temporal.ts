import { resolveTemporalCli } from './temporal-cli';

/** `npm run temporal:ensure`: finds or builds the Temporal CLI and says which one. */
resolveTemporalCli(process.env)
  .then((cli) => console.log(`Temporal CLI (${cli.source}): ${cli.path}`))
  .catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
