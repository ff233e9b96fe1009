import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { publicKeyId } from '../../activities/crypto';
import { verifyLedger } from '../../activities/registry/ledger-verify';
import { ErasureError, InvalidInputError } from '../../schemas/errors';
import type { CliContext } from '../context';
import { ProgressBar } from '../progress';

/** Public keys an auditor brings (PEM files), by key id: verification then trusts nothing in the registry. */
function pinnedKeys(files: readonly string[]): Map<string, string> {
  const keys = new Map<string, string>();
  for (const file of files) {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
      const key = createPublicKey(pem);
      if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
      keys.set(publicKeyId(key), key.export({ format: 'pem', type: 'spki' }).toString());
    } catch (err) {
      throw new InvalidInputError('certificates verify', [{ field: '--public-key', message: `${file}: not a usable Ed25519 public key in PEM (${(err as Error).message})` }]);
    }
  }
  return keys;
}

/**
 * `erasure certificates verify [--public-key key.pem ...]`: checks every entry of the
 * ledger — hash, chain, signature — and names the first one that does not hold up.
 */
export async function certificatesVerifyCommand(ctx: CliContext, publicKeyFiles: readonly string[]): Promise<void> {
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
  ctx.out(`Ledger intact: ${result.entries} certificate(s), each chained to the one before; ${result.signed} signed (Ed25519, key ${keys}), ${result.unsigned} unsigned (written before certificates were signed).`);
  ctx.out(`  signatures checked against ${source}; last hash ${result.lastHash ?? '(empty ledger)'}`);
  ctx.out('  Note: the chain shows removals and edits inside the ledger; keep the last hash elsewhere to detect a cut-off tail.');
}

/** `erasure certificates public-key`: the public key(s) for auditors, as PEM. */
export async function certificatesPublicKeyCommand(ctx: CliContext): Promise<void> {
  const { rows } = await ctx.registry().query<{ key_id: string; public_key: string; first_used_at: Date }>('SELECT key_id, public_key, first_used_at FROM signing_keys ORDER BY first_used_at');
  if (rows.length === 0) return ctx.out('no certificate has been signed yet');
  for (const r of rows) ctx.out(`# key ${r.key_id}, first used ${r.first_used_at.toISOString()}\n${r.public_key.trim()}`);
}
