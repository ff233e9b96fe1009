import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProblemFile } from '../../cli/problem-file';
import { formatProblems, type InputProblem } from '../../schemas/errors';

describe('problem lists - capped on the terminal, complete in a file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'problems-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const problem = (line: number, field: string): InputProblem => ({ line, field, message: `wrong on line ${line}` });

  it('ProblemFile - problems found stage by stage, each in line order - shows the first 100 by line and writes all of them sorted by line', async () => {
    const list = new ProblemFile(dir, 'inventory.csv', 'inventory.csv refused');
    // Three stages, as an import finds them: the reader's, the duplicates', the storage systems'.
    for (let line = 2; line <= 600; line += 3) list.add(problem(line, 'subjectRef'));
    for (let line = 3; line <= 600; line += 3) list.add(problem(line, 'recordId'));
    for (let line = 4; line <= 600; line += 3) list.add(problem(line, 'locations[0].locator'));
    list.add({ field: '(file)', message: 'a problem of the whole file' });
    expect(list.total).toBe(600);
    expect(list.first().map((p) => p.line)).toEqual([undefined, ...Array.from({ length: 99 }, (_, i) => i + 2)]);

    const refusal = await list.refusal('inventory.csv');
    expect(refusal.problemFile).toMatch(/^.*\/inventory\.csv\.problems-\d{4}-\d\d-\d\dT[\d-]+Z\.txt$/);
    const shown = refusal.message.split('\n');
    expect(shown[0]).toBe('inventory.csv refused (600 problems); nothing was changed:');
    expect(shown.filter((l) => l.startsWith('  - '))).toHaveLength(100);
    expect(shown.at(-1)).toBe(`  … and 500 more problems; the full list is in ${refusal.problemFile}`);

    const written = readFileSync(refusal.problemFile as string, 'utf8')
      .trimEnd()
      .split('\n');
    expect(written[0]).toBe('inventory.csv refused (600 problems); nothing was changed. Every problem, by line:');
    expect(written[1]).toBe('  - (file): a problem of the whole file');
    expect(written.slice(2).map((l) => Number(/line (\d+),/.exec(l)?.[1]))).toEqual(Array.from({ length: 599 }, (_, i) => i + 2));
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('ProblemFile - 100 problems or fewer, or a list discarded (the input refused for another reason) - writes no file', async () => {
    const few = new ProblemFile(dir, 'few.csv', 'few.csv refused');
    for (let line = 1; line <= 100; line += 1) few.add(problem(line, 'recordId'));
    expect(await few.close()).toBeUndefined();
    const dropped = new ProblemFile(dir, 'dropped.csv', 'dropped.csv refused');
    for (let line = 1; line <= 500; line += 1) dropped.add(problem(line, 'recordId'));
    dropped.discard();
    expect(await dropped.close()).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('formatProblems - a list longer than 100 without a file - shows 100 and counts the rest', () => {
    const text = formatProblems(
      'backup.jsonl.gz',
      Array.from({ length: 250 }, (_, i) => problem(i + 1, 'table')),
    );
    expect(text.split('\n')).toHaveLength(102);
    expect(text).toContain('backup.jsonl.gz refused (250 problems)');
    expect(text.endsWith('  … and 150 more problems')).toBe(true);
  });
});
