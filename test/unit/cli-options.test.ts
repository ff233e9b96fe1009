import {
  COMMAND_OPTIONS,
  OptionError,
  UsageError,
  nearestOption,
  parseCommandLine,
  type CommandName,
  type CommandOptions,
  type OptionSpec,
} from '../../cli/options';
import { USAGE } from '../../cli/usage';
import { identityOptions } from '../../service/commands';

const commands = Object.keys(COMMAND_OPTIONS) as CommandName[];
const optionsOf = (command: CommandName): CommandOptions => COMMAND_OPTIONS[command];
const wordsOf = (command: CommandName) => command.split(' ');
/** Every option of every command (an option means the same in each, which a test below checks). */
const everyOption = new Map(commands.flatMap((command) => Object.entries(optionsOf(command))));
/** An option as a user writes it: with a value when it takes one. */
const written = (name: string, spec: OptionSpec) => (spec.value === undefined ? [`--${name}`] : [`--${name}`, `value-of-${name}`]);

function refusal(args: string[]): OptionError {
  try {
    parseCommandLine(args);
  } catch (err) {
    if (err instanceof OptionError) return err;
    throw err;
  }
  throw new Error(`\`erasure ${args.join(' ')}\` was not refused`);
}

describe('cli options - the one option table', () => {
  it.each(commands)('erasure %s - an option it does not take - is refused before it runs, naming the option, the command and what it takes', (command) => {
    const foreign = [...everyOption].filter(([name]) => !Object.hasOwn(optionsOf(command), name));
    expect(foreign.length).toBeGreaterThan(0);
    for (const [name, spec] of [...foreign, ['not-an-option', { help: '' }] as const]) {
      const error = refusal([...wordsOf(command), 'ARG', ...written(name, spec)]);
      expect(error).toBeInstanceOf(UsageError); // printed with the usage, exit code 2
      expect(error).toMatchObject({ code: 'UNKNOWN_OPTION', command, option: `--${name}` });
      expect(error.message).toContain(`\`erasure ${command}\` does not take --${name}`);
      const accepted = Object.keys(optionsOf(command));
      if (accepted.length === 0) expect(error.message).toContain('it takes no options');
      for (const own of accepted) expect(error.message).toMatch(new RegExp(`\\n {2}--${own}\\b`));
    }
  });

  it.each(commands)('erasure %s - every option it declares - is accepted and read, and absent ones have their defaults', (command) => {
    const own = Object.entries(optionsOf(command));
    const args = [
      ...wordsOf(command),
      'ARG',
      ...own.flatMap(([name, spec]) => (spec.multiple ? [...written(name, spec), `--${name}=second`] : written(name, spec))),
    ];
    const expected = Object.fromEntries(
      own.map(([name, spec]) => [name, spec.value === undefined ? true : spec.multiple ? [`value-of-${name}`, 'second'] : `value-of-${name}`]),
    );
    expect(parseCommandLine(args)).toEqual({ kind: 'command', command, values: expected, args: ['ARG'] });

    const defaults: Record<string, boolean | string[]> = {};
    for (const [name, spec] of own) if (spec.value === undefined || spec.multiple) defaults[name] = spec.value === undefined ? false : [];
    expect(parseCommandLine(wordsOf(command))).toEqual({ kind: 'command', command, values: defaults, args: [] });
  });

  it.each(commands)('erasure %s - --help or -h - asks for the usage, whatever else is given', (command) => {
    expect(parseCommandLine([...wordsOf(command), '--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine([...wordsOf(command), '--not-an-option', '-h'])).toEqual({ kind: 'help' });
  });

  it('erasure status R-1 --erase - is refused, naming --erase, the command and its one option', () => {
    const error = refusal(['status', 'R-1', '--erase']);
    expect(error.message).toBe('`erasure status` does not take --erase; it takes:\n  --json  JSON instead of text');
    expect(error.suggestion).toBeUndefined();
  });

  it('an option with a typo - is refused with the option meant', () => {
    expect(refusal(['start', '--dosier', 'D-1'])).toMatchObject({ option: '--dosier', suggestion: '--dossier' });
    expect(refusal(['start', '--dosier', 'D-1']).message).toBe(
      '`erasure start` does not take --dosier: did you mean --dossier? It takes:\n  --dossier <id>  only the records of this dossier',
    );
    expect(refusal(['purge', 'run', '--dryrun'])).toMatchObject({ suggestion: '--dry-run' });
    expect(refusal(['list', '--jsno'])).toMatchObject({ suggestion: '--json' });
    expect(refusal(['list', '--Phase', 'due'])).toMatchObject({ suggestion: '--phase' });
    // One dash: read as -j -s -o -n by parseArgs, but named as written.
    expect(refusal(['status', 'R-1', '-json'])).toMatchObject({ option: '-json', suggestion: '--json' });
    expect(refusal(['backup', 'list', '--json']).message).toBe('`erasure backup list` does not take --json: it takes no options');
  });

  it('nearestOption - suggests only a close and unambiguous option', () => {
    expect(nearestOption('--dosier', ['dossier', 'phase'])).toBe('--dossier');
    expect(nearestOption('--erase', ['json'])).toBeUndefined();
    expect(nearestOption('--ab', ['as', 'at'])).toBeUndefined(); // two equally near
    expect(nearestOption('--x', [])).toBeUndefined();
  });

  it('an option given twice - is refused, unless it may be repeated', () => {
    expect(refusal(['import', 'x.csv', '--policy', 'a', '--policy', 'b'])).toMatchObject({
      code: 'REPEATED_OPTION',
      option: '--policy',
      message: '`erasure import`: --policy is given 2 times; give it once',
    });
    expect(refusal(['status', 'R-1', '--json', '--json'])).toMatchObject({ code: 'REPEATED_OPTION', option: '--json' });
    expect(parseCommandLine(['certificates', 'verify', '--public-key', 'a.pem', '--public-key', 'b.pem'])).toMatchObject({
      values: { 'public-key': ['a.pem', 'b.pem'] },
    });
  });

  it('an option without its value - is refused naming the value it needs', () => {
    expect(refusal(['import', 'x.csv', '--policy'])).toMatchObject({
      code: 'MISSING_VALUE',
      message: '`erasure import`: --policy needs a value: --policy <version> (the destruction policy the records fall under)',
    });
    // parseArgs would take `--json` as the value: refused, with the way to mean it.
    const next = refusal(['import', 'x.csv', '--policy', '--json']);
    expect(next).toMatchObject({ code: 'MISSING_VALUE', option: '--policy' });
    expect(next.message).toContain('it is followed by --json, an option (if that is the value, write --policy=--json)');
    expect(parseCommandLine(['import', 'x.csv', '--policy=--json'])).toMatchObject({ values: { policy: '--json' } });
    expect(parseCommandLine(['import', 'x.csv', '--delimiter', '-', '--policy', 'P'])).toMatchObject({ values: { delimiter: '-', policy: 'P' } });
  });

  it('a value given to a flag - is refused', () => {
    expect(refusal(['status', 'R-1', '--json=yes'])).toMatchObject({
      code: 'UNEXPECTED_VALUE',
      message: '`erasure status`: --json is a flag and takes no value: write --json, not --json=yes',
    });
  });

  it('the command words - are found among options, and words that name no command are left to the caller', () => {
    expect(parseCommandLine(['--dossier', 'D-1', 'purge', '--dry-run', 'run'])).toEqual({
      kind: 'command',
      command: 'purge run',
      values: { 'dry-run': true, dossier: 'D-1', approval: false, 'no-wait': false },
      args: [],
    });
    expect(parseCommandLine(['purge', 'schedule', 'bogus', '--policy', 'P'])).toEqual({ kind: 'unknown', words: ['purge', 'schedule', 'bogus'] });
    expect(parseCommandLine(['status', '--', '--erase'])).toMatchObject({ command: 'status', args: ['--erase'] });
    expect(parseCommandLine([])).toEqual({ kind: 'help' });
  });

  it('an option - means the same in every command that takes it (a flag, one value, or several)', () => {
    for (const command of commands) {
      for (const [name, spec] of Object.entries(optionsOf(command))) {
        const first = everyOption.get(name);
        expect({ command, name, value: spec.value !== undefined, multiple: !!spec.multiple }).toEqual({
          command,
          name,
          value: first?.value !== undefined,
          multiple: !!first?.multiple,
        });
      }
    }
  });

  it('the usage text - names every command, and only options the commands on its line take', () => {
    const lines = USAGE.split('\n').filter((line) => line.startsWith('  erasure '));
    const shown = new Set<string>();
    for (const line of lines) {
      const synopsis = line.trim().split(/ {2,}/)[0] ?? ''; // what follows two spaces describes it
      const words = synopsis.split(' ').slice(1);
      const end = words.findIndex((w) => /^[<[(-]/.test(w));
      const named = end === -1 ? words : words.slice(0, end);
      const last = named.pop() ?? '';
      const lineCommands = last.split('|').map((alt) => [...named, alt].join(' '));
      for (const command of lineCommands) {
        expect({ line, command, known: Object.hasOwn(COMMAND_OPTIONS, command) }).toEqual({ line, command, known: true });
        shown.add(command);
        for (const [, option] of synopsis.matchAll(/--([a-z][a-z-]*)/g)) {
          expect({ command, option, taken: Object.hasOwn(optionsOf(command as CommandName), option ?? '') }).toEqual({ command, option, taken: true });
        }
      }
    }
    expect(commands.filter((command) => !shown.has(command))).toEqual([]);
  });
});

describe('erasure identity - how the identity was established, and a reference', () => {
  const METHODS = 'in-person-document, letter-to-registered-address, electronic-identity';
  const thrown = (values: { method?: string; reference?: string }) => {
    try {
      identityOptions(values);
    } catch (err) {
      return { usage: err instanceof UsageError, message: (err as Error).message };
    }
    throw new Error('not refused');
  };

  it('--method and --reference - are read as values of the command, and passed on as they are', () => {
    const line = parseCommandLine(['identity', 'R-1', '--method', 'in-person-document', '--reference', 'BALIE-2024-0117']);
    expect(line).toMatchObject({ command: 'identity', args: ['R-1'], values: { method: 'in-person-document', reference: 'BALIE-2024-0117' } });
    const values = (line as Extract<typeof line, { command: 'identity' }>).values;
    expect(identityOptions(values)).toEqual({ method: 'in-person-document', reference: 'BALIE-2024-0117' });
  });

  it('a missing option - is a usage error naming the option and, for --method, the methods', () => {
    expect(thrown({ reference: 'BALIE-1' })).toEqual({
      usage: true,
      message: `\`erasure identity\` needs --method <method>: how the identity was established, one of ${METHODS}`,
    });
    expect(thrown({ method: 'electronic-identity' })).toMatchObject({
      usage: true,
      message: expect.stringContaining('`erasure identity` needs --reference <id>'),
    });
  });

  it('a value that does not fit - is refused naming each option, the methods and what a reference is', () => {
    const { usage, message } = thrown({ method: 'Passport\u001b[31m', reference: 'copy of passport.pdf' });
    expect(usage).toBe(false);
    expect(message).toBe(
      'identity refused (2 problems); nothing was changed:\n' +
        `  - --method: "Passport\\u001b[31m" is not a method; give one of ${METHODS}\n` +
        '  - --reference: a reference is an id such as "BESL-2024-017" (letters, digits, . _ : / -), not free text',
    );
  });
});
