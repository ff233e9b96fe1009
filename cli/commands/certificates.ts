import { createPublicKey } from 'node:crypto';
import { publicKeyId } from '../../activities/crypto';
import { appendAccessLog } from '../../activities/registry/inquiries';
import { verifyLedger } from '../../activities/registry/ledger-verify';
import { lookupSubject } from '../../activities/registry/lookup';
import { loadKeys } from '../../infra/keys';
import { z } from 'zod';
import type { PurgeReport } from '../../schemas/purge';
import { certificateDocument } from '../certificates/document';
import { certificateOfRecord, certificatesOfRun, type ExportedCertificate } from '../certificates/ledger-entries';
import { readJsonFile } from '../json-file';
import type { FileSource } from '../text-file';
import { ErasureError, InvalidInputError, NotFoundError, UnusableArgumentsError } from '../../schemas/errors';
import type { CommandContext } from '../../service/command-context';
import { ProgressBar } from '../progress';

/** Public keys an auditor brings (PEM files), by key id: verification then trusts nothing in the registry. */
function pinnedKeys(files: readonly FileSource[]): Map<string, string> {
  const keys = new Map<string, string>();
  for (const file of files) {
    let pem: string;
    try {
      pem = Buffer.from(file.bytes).toString('utf8');
      const key = createPublicKey(pem);
      if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
      keys.set(publicKeyId(key), key.export({ format: 'pem', type: 'spki' }).toString());
    } catch (err) {
      throw new UnusableArgumentsError('certificates verify', [
        { field: '--public-key', message: `${file.name}: not a usable Ed25519 public key in PEM (${(err as Error).message})` },
      ]);
    }
  }
  return keys;
}

/**
 * `erasure certificates verify [--public-key key.pem ...]`: checks every entry of the
 * ledger — hash, chain, signature — and names the first one that does not hold up.
 */
export async function certificatesVerifyCommand(ctx: CommandContext, publicKeyFiles: readonly FileSource[]): Promise<void> {
  const pinned = publicKeyFiles.length ? pinnedKeys(publicKeyFiles) : undefined;
  const bar = new ProgressBar('verifying');
  const result = await verifyLedger(ctx.registry(), pinned, (n) => bar.update(n, 0, 'entries'));
  bar.done();
  const keys = result.keyIds.length ? result.keyIds.join(', ') : 'none';
  const source = pinned ? `the ${pinned.size} public key(s) given` : "the registry's public keys";
  if (result.firstProblem) {
    const p = result.firstProblem;
    throw new ErasureError(
      'VERIFICATION_FAILED',
      `Ledger NOT intact: entry #${p.sequence} (certificate ${p.certificateId}, record ${p.recordId}): ${p.problem}.\n` +
        `  ${result.entries} entr${result.entries === 1 ? 'y' : 'ies'} before it verified (${result.signed} signed, ${result.unsigned} unsigned); keys checked against ${source}.`,
    );
  }
  ctx.out(
    `Ledger intact: ${result.entries} certificate(s), each chained to the one before; ${result.signed} signed (Ed25519, key ${keys}), ${result.unsigned} unsigned (written before certificates were signed).`,
  );
  ctx.out(`  signatures checked against ${source}; last hash ${result.lastHash ?? '(empty ledger)'}`);
  ctx.out('  Note: the chain shows removals and edits inside the ledger; keep the last hash elsewhere to detect a cut-off tail.');
}

/** `erasure certificates public-key`: the public key(s) for auditors, as PEM. */
export async function certificatesPublicKeyCommand(ctx: CommandContext): Promise<void> {
  const { rows } = await ctx
    .registry()
    .query<{ key_id: string; public_key: string; first_used_at: Date }>('SELECT key_id, public_key, first_used_at FROM signing_keys ORDER BY first_used_at');
  if (rows.length === 0) return ctx.out('no certificate has been signed yet');
  for (const r of rows) ctx.out(`# key ${r.key_id}, first used ${r.first_used_at.toISOString()}\n${r.public_key.trim()}`);
}

/** Who to look up, read from a file (never from arguments: shell history, process lists). */
export const subjectFileSchema = z.strictObject({
  name: z.string().trim().min(2, 'the name as the person gives it'),
  residence: z.string().trim().min(2, 'the place of residence as the person gives it'),
});

/**
 * `erasure certificates lookup <subject.json> --purpose <text>`: was this
 * person's data destroyed? Matched by the keyed hash; the look is logged per record found.
 */
export async function certificatesLookupCommand(ctx: CommandContext, file: FileSource, purpose: string | undefined): Promise<void> {
  ctx.actor(['coordinator', 'privacy-officer'], 'looking up a person');
  if (!purpose || purpose.trim().length < 3)
    throw new InvalidInputError('certificates lookup', [
      { field: '--purpose', message: 'say why (kept in the access log, e.g. "question from the requester")' },
    ]);
  await lookupPerson(ctx, readJsonFile(file, subjectFileSchema), purpose.trim());
}

/** Was this person's data destroyed? `subject` as the person gives it (from a file, or the console's form body). */
export async function lookupPerson(ctx: CommandContext, subject: z.output<typeof subjectFileSchema>, purpose: string): Promise<void> {
  const actor = ctx.actor(['coordinator', 'privacy-officer'], 'looking up a person');
  const registry = ctx.registry();
  const found = await lookupSubject(registry, loadKeys(ctx.config).hmacKey, subject.name, subject.residence);
  const by = `${actor.user} (${actor.role})`;
  for (const r of found) await appendAccessLog(registry, { actor: by, recordId: r.recordId, action: 'lookup', purpose });
  if (found.length === 0) {
    ctx.out(
      'No record matches this name and place of residence: no data about this person is in the inventory (the spelling is normalised; a different place of residence does not match).',
    );
    return;
  }
  ctx.out(`${found.length} record(s) match (looked up by ${by}; logged in the access log):`);
  for (const r of found) {
    ctx.out(
      r.certificateId
        ? `  ${r.recordId}  dossier ${r.dossier}  destroyed ${r.erasedAt ?? '?'}  certificate ${r.certificateId} (ledger entry #${r.sequence ?? '?'})${r.resurrectedAt ? `; data came back and was erased again ${r.resurrectedAt}` : ''}`
        : `  ${r.recordId}  dossier ${r.dossier}  NOT destroyed yet (erasure status ${r.recordId} shows where it stands)`,
    );
  }
}

/**
 * `erasure certificates export (--record <id> | --run <runId>) --out <folder>`: the
 * certificate(s) as JSON (signed body, chain, signature, public key) and as a document to
 * forward (HTML), each checked once more while exported.
 */
export async function certificatesExportCommand(ctx: CommandContext, options: { record?: string; run?: string; out?: string }): Promise<void> {
  if (!options.out) throw new UnusableArgumentsError('certificates export', [{ field: '--out', message: 'name the folder to write to' }]);
  if (!!options.record === !!options.run)
    throw new UnusableArgumentsError('certificates export', [{ field: '--record/--run', message: 'give one record id or one purge run id' }]);
  const registry = ctx.registry();
  let base: string;
  let entries: ExportedCertificate[];
  let summary: string[] = [];
  if (options.record) {
    const one = await certificateOfRecord(registry, options.record);
    if (!one)
      throw new NotFoundError(
        'certificates export',
        'certificate',
        options.record,
        `record ${options.record} has no certificate: it is not erased yet, or no record has that id (\`erasure status ${options.record}\` says which)`,
      );
    entries = [one];
    base = `${options.record}.certificate`;
  } else {
    const run = options.run as string;
    const { rows } = await registry.query<{ report: PurgeReport | null }>('SELECT report FROM purge_runs WHERE run_ref = $1', [run]);
    if (!rows[0]) throw new NotFoundError('certificates export', 'purge run', run, `no purge run ${run}; \`erasure purge status\` lists the runs`);
    entries = await certificatesOfRun(registry, run);
    const r = rows[0].report;
    summary = r
      ? [
          `Purge run ${run}: ${r.startedAt} → ${r.finishedAt}`,
          `released ${r.released}, restarted ${r.restarted}, erased ${r.erased}, failed ${r.failed}, pending ${r.pending}`,
        ]
      : [`Purge run ${run} (still running)`];
    base = `${run}.certificates`;
  }
  const bad = entries.filter((e) => !e.checkedAtExport.hashMatches || e.checkedAtExport.signatureValid === false);
  // The folder is on the person's machine: the CLI checked it exists, and writes the files there.
  const json = `${options.out.replace(/\/+$/, '')}/${base}.json`;
  const doc = `${options.out.replace(/\/+$/, '')}/${base}.html`;
  ctx.deliver({ path: json, content: `${JSON.stringify(options.record ? entries[0] : entries, null, 2)}\n` });
  ctx.deliver({
    path: doc,
    content: certificateDocument(
      options.record ? `Deletion certificate · record ${options.record}` : `Deletion certificates · purge run ${options.run ?? ''}`,
      entries,
      summary,
    ),
  });
  ctx.out(`${entries.length} certificate(s) exported: ${json}, ${doc}`);
  if (bad.length)
    throw new ErasureError(
      'VERIFICATION_FAILED',
      `${bad.length} exported certificate(s) do NOT hold up (hash or signature): ledger entries ${bad.map((e) => `#${e.sequence}`).join(', ')}; run \`erasure certificates verify\``,
    );
}
