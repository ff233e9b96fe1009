import { z } from 'zod';

/** The console's languages; each account chooses its own (docs/ARCHITECTURE.md, "The console"). */
export const consoleLanguages = ['en', 'nl'] as const;
export const consoleLanguageSchema = z.enum(consoleLanguages);
export type ConsoleLanguage = z.infer<typeof consoleLanguageSchema>;

/** A message with `{name}` placeholders, filled from the values given. */
export type Translate<K extends string> = (key: K, values?: Readonly<Record<string, string | number>>) => string;

/**
 * One page's texts in English and Dutch. The Dutch table must have every English key, so a
 * text added in one language only does not compile.
 */
export function defineMessages<const E extends Record<string, string>>(tables: {
  en: E;
  nl: { readonly [K in keyof E]: string };
}): (language: ConsoleLanguage) => Translate<Extract<keyof E, string>> {
  return (language) => (key, values) => {
    const table: Record<string, string> = tables[language];
    const template = table[key] ?? tables.en[key] ?? key;
    return values ? template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole)) : template;
  };
}

/** A date and time as the person reads it, in the body's time zone. */
export function formatInstant(at: Date | string, language: ConsoleLanguage, timeZone: string): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(date.getTime())) return String(at);
  return new Intl.DateTimeFormat(language === 'nl' ? 'nl-NL' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
}

/** 900 → "15 min", 28 800 → "8 h" (nl: "8 uur"): a limit as the person reads it. */
export function formatDuration(seconds: number, language: ConsoleLanguage): string {
  if (seconds % 3600 === 0) return language === 'nl' ? `${seconds / 3600} uur` : `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}
