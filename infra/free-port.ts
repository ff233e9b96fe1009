import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that was free a moment ago (for test and benchmark services). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether nothing listens on `port` of 127.0.0.1 now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * A free port below the kernel's ephemeral range (32768 and up on Linux), for a service
 * that records its port as a signed 16-bit number: Temporal's SQL `cluster_membership`
 * table keeps `rpc_port` as SMALLINT, so a membership port from `freePort()` is refused.
 */
export async function freePortBelow32768(exclude: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    if (!exclude.has(port) && (await portIsFree(port))) return port;
  }
  throw new Error('no free port between 20000 and 32767 on 127.0.0.1');
}
