import { z } from 'zod';
import { policyInstantFields, policySchema, type Policy } from './policy';
import { zonedInstant, zoneNameProblem } from './zoned-time';

interface Problem {
  readonly path: PropertyKey[];
  readonly message: string;
}

/**
 * The zone's part of a policy file: the deadlines converted to instants with the zone's
 * offset, and what stands in the way. Other fields are left to `policySchema`.
 */
function convertDeadlines(input: Record<string, unknown>): { converted: Record<string, unknown>; problems: Problem[]; judged: Set<string> } {
  const converted = { ...input };
  const problems: Problem[] = [];
  const judged = new Set<string>();
  let zone: string | undefined;
  if (typeof input.timeZone === 'string') {
    const problem = zoneNameProblem(input.timeZone);
    if (problem) {
      problems.push({ path: ['timeZone'], message: problem });
      judged.add('timeZone');
      // Local times cannot be read without their zone: the zone is the one thing to fix.
      for (const field of policyInstantFields) judged.add(field);
      return { converted, problems, judged };
    }
    zone = input.timeZone;
  }
  for (const field of policyInstantFields) {
    const value = input[field];
    if (typeof value !== 'string') continue;
    const result = zonedInstant(value, zone);
    if (result.ok) {
      converted[field] = result.iso;
    } else {
      problems.push({ path: [field], message: result.problem });
      judged.add(field);
    }
  }
  return { converted, problems, judged };
}

/**
 * A policy as a person writes it (`erasure policy add`): deadlines as local date-times in
 * the policy's `timeZone` ("2024-03-31T23:59:59" with "Europe/Amsterdam"), or with an
 * offset, which must then be the zone's offset at that instant. The result is the stored
 * form (`policySchema`): the same local times with the zone's offsets, and the zone. Every
 * problem of the file is reported at once.
 */
export const policyFileSchema = z.unknown().transform((raw, ctx): Policy => {
  const input = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
  const { converted, problems, judged } = input ? convertDeadlines(input) : { converted: raw, problems: [], judged: new Set<string>() };
  const parsed = policySchema.safeParse(converted);
  for (const p of problems) ctx.issues.push({ code: 'custom', path: p.path, message: p.message, input: raw });
  if (!parsed.success) {
    // A deadline judged here makes policySchema's word on either deadline (its format, their order) moot.
    const deadlineJudged = policyInstantFields.some((f) => judged.has(f));
    const moot = (field: string) => judged.has(field) || (deadlineJudged && (policyInstantFields as readonly string[]).includes(field));
    for (const issue of parsed.error.issues) {
      if (!moot(String(issue.path[0]))) ctx.issues.push(issue as z.core.$ZodRawIssue);
    }
  }
  return parsed.success && problems.length === 0 ? parsed.data : z.NEVER;
});
