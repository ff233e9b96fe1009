import type { InventoryItem, NumberedRecord } from '../activities/registry/import-inventory';
import type { InputProblem, ProblemSink } from '../schemas/errors';
import { inventoryRecordSchema } from '../schemas/inventory';
import { zodProblems } from '../schemas/zod-problems';

/** One candidate record of a file, validated: the record with its line, or its problems in the sink. */
export function validatedRecord(line: number, candidate: unknown, problems: ProblemSink): NumberedRecord | undefined {
  const result = inventoryRecordSchema.safeParse(candidate);
  if (result.success) return { line, record: result.data };
  for (const problem of zodProblems(result.error, line)) problems.add(problem);
  return undefined;
}

/** Problems a reader found and has not yielded yet: they go out in file order, between the records. */
export class PendingProblems implements ProblemSink {
  private list: InputProblem[] = [];

  add(problem: InputProblem): void {
    this.list.push(problem);
  }

  get total(): number {
    return this.list.length;
  }

  *drain(): Generator<InventoryItem> {
    const list = this.list;
    this.list = [];
    for (const problem of list) yield { problem };
  }
}
