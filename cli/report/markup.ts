/**
 * Markup that is escaped by construction: `html` escapes every interpolated string or
 * number; only `Markup` made by `html` itself (or `trusted`) is inserted as it is. A dossier
 * id like `<script>` therefore arrives as text, whatever template it passes through.
 */
export class Markup {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

export type Interpolation = string | number | Markup | readonly Markup[] | undefined | false;

export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Markup(out);
}

function render(value: Interpolation): string {
  if (value === undefined || value === false) return '';
  if (value instanceof Markup) return value.value;
  if (typeof value === 'number') return escapeHtml(Number.isFinite(value) ? String(value) : '0');
  if (typeof value === 'string') return escapeHtml(value);
  return value.map((m) => m.value).join('');
}

/** A fixed piece of markup written in this code base (a stylesheet): never data. */
export const trusted = (markup: string): Markup => new Markup(markup);

/** SVG coordinates: one decimal is plenty and keeps the file small. */
export const coord = (n: number): string => n.toFixed(1);
