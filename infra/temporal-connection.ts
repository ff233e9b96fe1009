import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../schemas/config';

export interface TemporalTarget {
  readonly connection: NativeConnectionOptions;
  readonly namespace: string;
  /** True when the address came from TEMPORAL_ADDRESS (or a profile): nothing is started. */
  readonly external: boolean;
}

/**
 * Where to reach Temporal: TEMPORAL_ADDRESS and the other envconfig variables
 * (TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*) when set, otherwise the
 * project's own dev server on 127.0.0.1:TEMPORAL_PORT.
 */
export function temporalTarget(config: Config, env: Record<string, string | undefined> = process.env): TemporalTarget {
  if (config.TEMPORAL_ADDRESS) {
    const loaded = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
    return {
      connection: loaded.connectionOptions,
      namespace: loaded.namespace ?? config.TEMPORAL_NAMESPACE,
      external: true,
    };
  }
  return {
    connection: { address: `127.0.0.1:${config.TEMPORAL_PORT}` },
    namespace: config.TEMPORAL_NAMESPACE,
    external: false,
  };
}
