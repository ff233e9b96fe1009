import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the worker and a database, for fault injection: while it is "down"
 * it cuts every open connection and resets each new one at once (the client sees
 * ECONNRESET / "Connection terminated unexpectedly", as with a database that refuses
 * connections); when it is up again it forwards as before.
 */
export class FlakyProxy {
  private readonly open = new Set<Socket>();
  private down = false;
  /** Connections reset while the proxy was down. */
  refused = 0;
  /** Connections forwarded. */
  forwarded = 0;

  private readonly server: Server;
  /** The port on 127.0.0.1 the proxy listens on. */
  port = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client));
  }

  /** Listens on a free port of 127.0.0.1 and forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<FlakyProxy> {
    const proxy = new FlakyProxy(target);
    proxy.port = await new Promise<number>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => {
        const address = proxy.server.address();
        if (typeof address === 'object' && address) resolve(address.port);
        else reject(new Error('the proxy has no port'));
      });
    });
    return proxy;
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.down) {
      this.refused += 1;
      client.resetAndDestroy();
      return;
    }
    this.forwarded += 1;
    const upstream = createConnection(this.target);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    this.open.add(client);
    this.open.add(upstream);
    client.once('close', () => this.open.delete(client));
    upstream.once('close', () => this.open.delete(upstream));
  }

  /** Cuts every open connection and resets new ones until `up()`. */
  cut(): void {
    this.down = true;
    for (const socket of this.open) socket.resetAndDestroy();
    this.open.clear();
  }

  up(): void {
    this.down = false;
  }

  /** Down for `ms`, then up again. */
  async outage(ms: number): Promise<void> {
    this.cut();
    await new Promise((r) => setTimeout(r, ms));
    this.up();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
