import { createTransport } from 'nodemailer';

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

/** Sends over SMTP with nodemailer; returns the Message-ID the server accepted. */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = createTransport(smtpUrl);
  return {
    async send(mail) {
      const info = await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, headers: { ...mail.headers } });
      return String(info.messageId);
    },
    close: () => transport.close(),
  };
}
