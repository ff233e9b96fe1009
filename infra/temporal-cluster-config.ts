/** How the cluster reaches its PostgreSQL (the embedded one, or any other of version 12 or newer). */
export interface PostgresConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export const TEMPORAL_DATABASE = 'temporal';
export const VISIBILITY_DATABASE = 'temporal_visibility';

/** The gRPC and membership ports of the four services one `server start` runs. */
export interface ClusterPorts {
  readonly frontend: { grpc: number; membership: number; http: number };
  readonly history: { grpc: number; membership: number };
  readonly matching: { grpc: number; membership: number };
  readonly worker: { grpc: number; membership: number };
}

export interface ClusterConfigInput {
  readonly postgres: PostgresConnection;
  readonly ports: ClusterPorts;
  readonly historyShards: number;
  readonly dynamicConfigFile: string;
  readonly logLevel: string;
}

/**
 * The server's static configuration. Written as JSON, which is YAML too, so that a password
 * with any character in it needs no YAML quoting rules of ours.
 *
 * Connection pools: the single binary opens one pool per service (four), and PostgreSQL
 * allows 100 connections by default, which the registry's and the workers' pools share;
 * 8 + 3 per service keeps Temporal at 44 at most.
 */
export function clusterConfig(input: ClusterConfigInput): Record<string, unknown> {
  const { postgres, ports } = input;
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${postgres.host}:${postgres.port}`,
      connectProtocol: 'tcp',
      user: postgres.user,
      password: postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const rpc = (p: { grpc: number; membership: number; http?: number }) => ({
    rpc: { grpcPort: p.grpc, membershipPort: p.membership, bindOnIP: '127.0.0.1', ...(p.http ? { httpPort: p.http } : {}) },
  });
  const address = `127.0.0.1:${ports.frontend.grpc}`;
  return {
    log: { stdout: true, level: input.logLevel },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      // Fixed when the databases are first set up: a later start with another number is refused by the server.
      numHistoryShards: input.historyShards,
      datastores: { 'postgres-default': sql(TEMPORAL_DATABASE, 8), 'postgres-visibility': sql(VISIBILITY_DATABASE, 3) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: { frontend: rpc(ports.frontend), history: rpc(ports.history), matching: rpc(ports.matching), worker: rpc(ports.worker) },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: address } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    // Archival would keep closed histories beyond retention, somewhere else: not wanted here.
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' },
  };
}

/**
 * Dynamic configuration: the update APIs the lifecycles' actions use (on by default in
 * v1.31, set so that an older default cannot switch them off), as the dev server sets them.
 */
export const clusterDynamicConfig: Record<string, { value: unknown }[]> = {
  'frontend.enableUpdateWorkflowExecution': [{ value: true }],
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted': [{ value: true }],
};
