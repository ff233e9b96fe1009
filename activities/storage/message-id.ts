import { ErasureError } from '../../schemas/errors';
import type { DataCategory } from './adapter';

/** How the inventory names an inquiry e-mail in any mailbox: `message-id:<id-left>@<id-right>`, the Message-ID without < >. */
export const MESSAGE_ID_LOCATOR = /^message-id:([A-Za-z0-9.!#$%&*+/=?^_{|}~-]{1,200}@[A-Za-z0-9.-]{1,200})$/;

export const checkMessageIdLocator = (locator: string): string | undefined =>
  MESSAGE_ID_LOCATOR.test(locator) ? undefined : `mailbox locators look like "message-id:<id>@<host>" (the Message-ID without < >), not "${locator}"`;

/** The Message-ID a locator names, lower case (Message-IDs are compared case-insensitively here). */
export const messageIdOf = (locator: string): string => {
  const match = MESSAGE_ID_LOCATOR.exec(locator);
  if (!match?.[1]) throw new ErasureError('INVALID_INPUT', `not a mailbox locator: ${locator} (expected message-id:<id>@<host>)`);
  return match[1].toLowerCase();
};

/** The first occurrence of each header of a message, folded lines unfolded, names in lower case. */
export function headerFields(text: string): Map<string, string> {
  const end = text.search(/\r?\n\r?\n/);
  const block = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const fields = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (colon > 0 && !fields.has(name)) fields.set(name, line.slice(colon + 1).trim());
  }
  return fields;
}

export const normalisedMessageId = (value: string | undefined) => value?.trim().replace(/^<|>$/g, '').toLowerCase();

/** What a mailbox holds, as a requester understands it. */
export const mailboxCategories = (present: Readonly<Record<string, number>>): DataCategory<'mailbox'>[] =>
  present.messages ? [{ category: 'e-mails', count: present.messages }] : [];
