import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../global-setup';
import { eventually } from './services';

export interface TestMailServer {
  readonly url: string;
  readonly messages: ParsedMail[];
  /** Waits for a message to `to` whose subject matches. */
  waitFor(to: string, subject: RegExp): Promise<ParsedMail>;
  stop(): Promise<void>;
}

const recipients = (mail: ParsedMail) => (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));

/** A real SMTP server (the smtp-server package) on loopback, keeping what it receives. */
export async function startTestMailServer(): Promise<TestMailServer> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    // A mailbox that does not exist, as a real server answers it.
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('unknown-')) {
        const error = new Error('mailbox unavailable') as Error & { responseCode: number };
        error.responseCode = 550;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor: (to, subject) =>
      eventually(`a message to ${to} about ${subject}`, async () => messages.find((m) => recipients(m).includes(to) && subject.test(m.subject ?? ''))),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
