import { parseArgs } from 'node:util';
import { identityMethods } from '../schemas/actions';

/**
 * The command line's one option table: every command, by its words, with the options it
 * takes. The parser refuses, before anything runs, an option the command does not take,
 * so that `erasure status R-1 --erase` cannot look like it did something.
 */

/** One option of a command: whether it takes a value (its placeholder), and what it does. */
export interface OptionSpec {
  /** The value as the usage writes it, e.g. `<version>`; a flag (no value) has none. */
  readonly value?: string;
  /** May be given more than once; every value is kept. */
  readonly multiple?: true;
  readonly help: string;
}

export type CommandOptions = Readonly<Record<string, OptionSpec>>;

const flag = (help: string) => ({ help });
const valued = (value: string, help: string) => ({ value, help });
const json = flag('JSON instead of text');
const dossier = valued('<id>', 'only the records of this dossier');
const reason = valued('<text>', 'why, kept in the history');
const purpose = valued('<text>', 'why you look, kept in the access log');
const waveSize = valued('N', 'records released per wave');
const approval = flag("each wave waits for a privacy officer's approval");
const reconcileSample = valued('0..1', 'the share of earlier erasures checked again');
const note = valued('<text>', 'why, shown by `purge schedule describe`');
const decided = { record: valued('<recordId>', 'the candidate decided on'), reason };

export const COMMAND_OPTIONS = {
  'policy add': {},
  import: {
    policy: valued('<version>', 'the destruction policy the records fall under'),
    format: valued('csv|json', 'the format, when the file name does not tell'),
    delimiter: valued('";"|","|tab', 'the CSV separator, when the header line does not tell'),
  },
  start: { dossier },
  status: { json },
  list: { phase: valued('<phase>', 'only the records in this phase'), dossier, json },
  reconcile: { dossier },
  'purge run': {
    'dry-run': flag('list what would be destroyed, and change nothing'),
    dossier,
    'wave-size': waveSize,
    approval,
    'reconcile-sample': reconcileSample,
    'settle-timeout': valued('<duration>', 'how long the run waits for erasures before it reports what is pending'),
    policy: valued('<version>', "start from this policy's purge run settings"),
    'no-wait': flag('print the run id and return, instead of following the run'),
  },
  'purge approve': { wave: valued('N', 'the wave the run waits for') },
  'purge status': { json },
  'purge schedule create': {
    policy: valued('<version>', 'the policy whose purge start is the first run'),
    cron: valued('"0 2 * * *"', 'when the runs start (UTC)'),
    every: valued('1m', 'start a run at this interval instead'),
    'wave-size': waveSize,
    approval,
    'reconcile-sample': reconcileSample,
  },
  'purge schedule describe': {},
  'purge schedule pause': { note },
  'purge schedule unpause': { note },
  'purge schedule trigger': {},
  'purge schedule backfill': { from: valued('<ISO time>', 'the first moment to catch up'), to: valued('<ISO time>', 'the last moment to catch up') },
  'purge schedule delete': {},
  report: { json, html: valued('<file>', 'write a self-contained HTML file instead') },
  'certificates verify': { 'public-key': { value: '<key.pem>', multiple: true, help: 'trust only these public keys (repeatable)' } },
  'certificates public-key': {},
  'certificates lookup': { purpose },
  'certificates export': {
    record: valued('<id>', "this record's certificate"),
    run: valued('<runId>', 'the certificates of this purge run'),
    out: valued('<folder>', 'the folder to write to'),
  },
  'backup create': { out: valued('<folder>', 'instead of ERASURE_BACKUP_DIR') },
  'backup list': {},
  'backup restore': {
    into: valued('<postgres url>', 'an empty database instead of the configured one'),
    registry: flag("also restore the registry's tables, into an empty registry"),
  },
  'backup check': {
    into: valued('<postgres url>', 'check this database instead of the configured one'),
    erase: flag('erase again the erased persons it finds (a privacy officer)'),
  },
  'inquiry register': { policy: valued('<version>', 'the policy whose cutoff decides whether the inquiry is in time') },
  'inquiry status': { json },
  'inquiry review': { purpose },
  'inquiry confirm': decided,
  'inquiry reject': decided,
  'inquiry no-match': {},
  consent: { given: flag('the requester consents'), refused: flag('the requester refuses') },
  identity: {
    method: valued('<method>', `how the identity was established: ${identityMethods.join(', ')}`),
    reference: valued('<id>', "where the evidence is kept: the desk's register number, the letter's id (never a copy of the document)"),
  },
  consult: { purpose },
  explain: { language: valued('nl|en', 'the language of the explanation (nl unless given)') },
  object: { reference: valued('<id>', "the objection's reference") },
  decide: {
    proceed: flag('the erasure proceeds'),
    retain: flag('the record is retained'),
    reason,
    'decision-ref': valued('<id>', "the decision's reference"),
  },
  hold: { reference: valued('<id>', "the hold's reference"), reason },
  release: { reference: valued('<id>', 'the reference of the hold to release') },
  retry: { reason },
  'access-log': {
    record: valued('<recordId>', 'only the accesses to this record'),
    export: valued('<file.csv|.json>', 'write the log to a new file (the export is logged too)'),
  },
  'codec serve': {},
  login: {
    account: valued('<id>', 'your account (you are asked for its password and second-factor code)'),
    sso: flag('sign in through the single sign-on provider instead'),
    service: valued('<url>', 'the erasure service (ERASURE_SERVICE_URL, or the local one)'),
  },
  logout: {},
  whoami: { token: flag('print the session token too (for the codec server and the Web UI)') },
  'users add': { role: valued('<role>', 'coordinator, screened-reviewer, privacy-officer or administrator') },
  'users disable': {},
  'users reset-2fa': {},
  'users list': {},
  'security-log': { account: valued('<id>', 'only the events of this account'), json },
} as const satisfies Readonly<Record<string, CommandOptions>>;

type Table = typeof COMMAND_OPTIONS;
export type CommandName = keyof Table;

type ValueOf<S extends OptionSpec> = S extends { readonly value: string } ? (S extends { readonly multiple: true } ? string[] : string | undefined) : boolean;
export type OptionValues<O extends CommandOptions> = { -readonly [K in keyof O]: ValueOf<O[K]> };

/** A command line as the parser read it: a command with its options and arguments, a request for help, or words that name no command. */
export type CommandLine =
  | { readonly kind: 'help' }
  | { readonly kind: 'unknown'; readonly words: readonly string[] }
  | {
      [C in CommandName]: { readonly kind: 'command'; readonly command: C; readonly values: OptionValues<Table[C]>; readonly args: readonly string[] };
    }[CommandName];

/** Thrown when a command line cannot be used as written; the command line prints it with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type OptionProblemCode = 'UNKNOWN_OPTION' | 'REPEATED_OPTION' | 'MISSING_VALUE' | 'UNEXPECTED_VALUE';

/** Thrown when an option does not fit the command: one it does not take, given twice, or with a value missing or unasked for. */
export class OptionError extends UsageError {
  override name = 'OptionError';
  constructor(
    readonly code: OptionProblemCode,
    readonly command: CommandName,
    /** The option as written, e.g. `--erase`. */
    readonly option: string,
    message: string,
    /** The option meant, when the one written looks like a typo of it. */
    readonly suggestion?: string,
  ) {
    super(message);
  }
}

const names = Object.keys(COMMAND_OPTIONS) as CommandName[];
const commandWords = new Map(names.map((name) => [name, name.split(' ')]));
/** Longest first, should one command's words ever begin another's. */
const byLength = [...names].sort((a, b) => (commandWords.get(b)?.length ?? 0) - (commandWords.get(a)?.length ?? 0));

/** `util.parseArgs`'s options, as built from the table. */
type ArgsConfig = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: boolean | string[] }>;
const HELP: ArgsConfig = { help: { type: 'boolean', short: 'h' } };

function argsConfig(options: CommandOptions): ArgsConfig {
  const config: ArgsConfig = { ...HELP };
  for (const [name, spec] of Object.entries(options)) {
    config[name] =
      spec.value === undefined ? { type: 'boolean', default: false } : spec.multiple ? { type: 'string', multiple: true, default: [] } : { type: 'string' };
  }
  return config;
}

/**
 * Every option of every command, to find the command's words among the arguments before
 * knowing the command: which is why an option means the same (a flag, or one value) in
 * every command that takes it.
 */
const everyOption: ArgsConfig = (() => {
  const seen = new Map<string, { spec: OptionSpec; command: string }>();
  for (const command of names) {
    for (const [name, spec] of Object.entries(COMMAND_OPTIONS[command] as CommandOptions)) {
      const first = seen.get(name);
      if (first && ((first.spec.value === undefined) !== (spec.value === undefined) || !first.spec.multiple !== !spec.multiple)) {
        throw new Error(
          `--${name} is declared differently by \`${first.command}\` and \`${command}\`: an option means the same (a flag, one value, or several) in every command`,
        );
      }
      seen.set(name, { spec, command });
    }
  }
  return argsConfig(Object.fromEntries([...seen].map(([name, { spec }]) => [name, spec])));
})();

/** Edit distance with adjacent transpositions (`--dosier`, `--jsno`). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The option meant, when `written` is a likely typo of exactly one of them. */
export function nearestOption(written: string, options: readonly string[]): string | undefined {
  const word = written.replace(/^-+/, '').toLowerCase();
  const ranked = options.map((name) => ({ name, d: distance(word, name) })).sort((a, b) => a.d - b.d);
  const [best, next] = ranked;
  if (!best || best.d > Math.max(1, Math.floor(word.length / 3)) || next?.d === best.d) return undefined;
  return `--${best.name}`;
}

const shown = (name: string, spec: OptionSpec) => `--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`;

/** The options a command takes, one a line with what each does. */
export function optionList(command: CommandName): string {
  const entries = Object.entries(COMMAND_OPTIONS[command] as CommandOptions).map(([name, spec]) => [shown(name, spec), spec.help] as const);
  const width = Math.max(...entries.map(([s]) => s.length));
  return entries.map(([s, help]) => `  ${s.padEnd(width)}  ${help}`).join('\n');
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];
type OptionToken = Extract<Token, { kind: 'option' }>;

/** What is wrong with one option token for `command`, if anything. */
function problemWith(command: CommandName, token: OptionToken, args: readonly string[], counts: Map<string, number>): OptionError | undefined {
  const options = COMMAND_OPTIONS[command] as CommandOptions;
  const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
  const cmd = `\`erasure ${command}\``;
  if (!spec) {
    // `-json` is read as -j -s -o -n: name what was written.
    const written = token.rawName.startsWith('--') ? token.rawName : ((args[token.index] ?? '').split('=')[0] ?? token.rawName);
    const suggestion = nearestOption(written, Object.keys(options));
    const meant = suggestion ? `: did you mean ${suggestion}?` : '';
    const message = Object.keys(options).length
      ? `${cmd} does not take ${written}${meant}${meant ? ' It' : '; it'} takes:\n${optionList(command)}`
      : `${cmd} does not take ${written}: it takes no options`;
    return new OptionError('UNKNOWN_OPTION', command, written, message, suggestion);
  }
  const option = `--${token.name}`;
  if (spec.value === undefined && token.value !== undefined) {
    return new OptionError(
      'UNEXPECTED_VALUE',
      command,
      option,
      `${cmd}: ${option} is a flag and takes no value: write ${option}, not ${token.rawName}=${token.value}`,
    );
  }
  if (spec.value !== undefined && (token.value === undefined || (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-')))) {
    const next = token.value === undefined ? '' : `; it is followed by ${token.value}, an option (if that is the value, write ${option}=${token.value})`;
    return new OptionError('MISSING_VALUE', command, option, `${cmd}: ${option} needs a value: ${shown(token.name, spec)} (${spec.help})${next}`);
  }
  if (!spec.multiple && (counts.get(token.name) ?? 0) > 1) {
    return new OptionError('REPEATED_OPTION', command, option, `${cmd}: ${option} is given ${counts.get(token.name)} times; give it once`);
  }
  return undefined;
}

/**
 * Reads a command line against the table: finds the command by its words, refuses an
 * option that does not fit it (`OptionError`), and returns its options' values and the
 * arguments after its words. Words that name no command are returned as `unknown`, for
 * the caller to say what its group offers.
 */
export function parseCommandLine(args: readonly string[]): CommandLine {
  // A first, lenient pass only to find the command among the options; every option of it is checked below.
  const { tokens } = parseArgs({ args: [...args], options: everyOption, strict: false, allowPositionals: true, tokens: true });
  const options = tokens.filter((t): t is OptionToken => t.kind === 'option');
  const words = tokens.flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
  if (words.length === 0 || options.some((t) => t.name === 'help')) return { kind: 'help' };
  const command = byLength.find((name) => commandWords.get(name)?.every((word, i) => words[i] === word));
  if (!command) return { kind: 'unknown', words };
  const counts = new Map<string, number>();
  for (const t of options) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  for (const t of options) {
    const problem = problemWith(command, t, args, counts);
    if (problem) throw problem;
  }
  // Strict now: after the checks above this cannot refuse, but if it ever does, its own message is shown with the usage.
  const parsed = parseArgs({ args: [...args], options: argsConfig(COMMAND_OPTIONS[command]), strict: true, allowPositionals: true });
  const line = { kind: 'command', command, values: parsed.values, args: parsed.positionals.slice(commandWords.get(command)?.length ?? 0) };
  return line as Extract<CommandLine, { kind: 'command' }>;
}
