import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

export interface MailSink {
  readonly url: string;
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * A real SMTP server on loopback for the demo: every message it accepts is written to
 * `dir` as an .eml file, so a coordinator can read what requesters would receive.
 * A deployment sets SMTP_URL to its mail relay instead.
 */
export async function startMailSink(dir: string, port: number): Promise<MailSink> {
  mkdirSync(dir, { recursive: true });
  let counter = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'erasure-orchestrator demo mail sink',
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        counter += 1;
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${counter}.eml`;
        writeFileSync(join(dir, name), Buffer.concat(chunks), { mode: 0o600 });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `port ${port} for the demo mail sink is in use; set SMTP_SINK_PORT or SMTP_URL` : err.message)),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    dir,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
