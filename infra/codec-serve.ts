import { createPool } from '../activities/pg-pool';
import { parseConfig } from '../schemas/config';
import { sessionChecker } from '../service/auth-wiring';
import { codecOrigins, startCodecServer } from './codec-server';
import { databaseUrls } from './database-urls';
import { loadPayloadKeys } from './keys';

/** `erasure codec serve`: the codec server on its own (a deployment without `npm start`), until Ctrl-C. Operator's, local. */
export async function codecServeCommand(env: Record<string, string | undefined>): Promise<void> {
  const config = parseConfig(env);
  const registry = createPool(databaseUrls(config).registry, 2);
  const server = await startCodecServer({
    port: config.ERASURE_CODEC_PORT,
    payloadKeys: loadPayloadKeys(config),
    checkSession: sessionChecker(registry, config),
    registry,
    allowedOrigins: codecOrigins(config),
  });
  console.log(`codec server on ${server.url} (origins ${codecOrigins(config).join(', ')}); Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop();
  await registry.end();
}
