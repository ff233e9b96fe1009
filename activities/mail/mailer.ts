import { createTransport } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { ErasureError } from '../../schemas/errors';

export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /** Ids only (X-Erasure-Record, X-Erasure-Inquiry), so a sent message can be traced without reading it. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<string>;
  close(): void;
}

/**
 * Sends over SMTP with nodemailer; returns the Message-ID the server accepted. Errors are
 * reduced to their codes: nodemailer's messages quote the recipient's address, and a
 * failure message ends up in workflow history. A permanent refusal (5xx, a bad envelope)
 * is not retried.
 */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  // Well under the activities' start-to-close timeout, so a slow attempt cannot overlap its retry.
  const transport = createTransport({ url: smtpUrl, connectionTimeout: 20_000, greetingTimeout: 20_000, socketTimeout: 60_000 } as SMTPTransport.Options);
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, headers: { ...mail.headers } });
        return String(info.messageId);
      } catch (err) {
        const e = err as { code?: string; responseCode?: number };
        const what = `mail not sent (${[e.code, e.responseCode].filter(Boolean).join(' ') || 'error'})`;
        if ((e.responseCode ?? 0) >= 500 || e.code === 'EENVELOPE')
          throw new ErasureError('MAIL_REJECTED', `${what}: the mail server refused it; check the address`);
        throw new Error(what);
      }
    },
    close: () => transport.close(),
  };
}
