import fc from 'fast-check';
import { actionLabels, actionRoles, identityMethods, type ActionName } from '../../schemas/actions';
import type { Policy } from '../../schemas/policy';
import { roles, type Role } from '../../schemas/roles';
import { validateApproval } from '../../workflows/purge-approval';
import { RecordMachine } from '../../workflows/record/machine';
import { validateAction, validateRelease } from '../../workflows/record/validate';
import { fuzzSettings, hostileText, unclearProblem, unknownFieldName, wrongType, type Hostile } from '../helpers/hostile';
import { ActionLedger } from '../../workflows/record/authenticity';
import { signed, testActionKeys, testActionSigner } from '../helpers/services';

/** Signs what the fuzzer made, as the service would sign whatever it was handed: the validators still judge the content. */
const signedIfObject = (workflowId: string, update: string, raw: unknown) =>
  raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? signed(workflowId, update, raw) : raw;
const approvalState = {
  runRef: 'purge-run-fuzz',
  stage: 'release',
  waves: 0,
  awaitingWave: 1,
  keys: testActionKeys,
  startedBy: testActionSigner.signPurgeStart({ user: 'alice', role: 'coordinator' }, { workflowId: 'purge-run-fuzz' }),
};
const approve = (raw: unknown) =>
  validateApproval(signedIfObject('purge-run-fuzz', 'approveWave', raw), { ...approvalState, now: Date.now(), usedNonces: new Set() });

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const policyFrom = (cutoffMs: number, purgeMs: number, now = Date.now()): Policy => ({
  version: 'fuzz-policy',
  inquiryCutoff: iso(now + cutoffMs),
  purgeStart: iso(now + purgeMs),
  objectionPeriod: '6w',
  responseDeadline: '30d',
  retentionReview: '26w',
});

const actors: Record<Role, { user: string; role: Role }> = {
  coordinator: { user: 'alice', role: 'coordinator' },
  'screened-reviewer': { user: 'bob', role: 'screened-reviewer' },
  'privacy-officer': { user: 'carol', role: 'privacy-officer' },
};
const HOLD = 'HOLD-2024-017';

/** A record's machine and its validators, as `recordLifecycle` calls them: validator first, then the change. */
function lifecycle(policy = policyFrom(HOUR, 2 * HOUR)) {
  const machine = new RecordMachine({ recordId: 'R-fuzz-1', dossier: 'D-fuzz', policy }, Date.now());
  const ledger = new ActionLedger(testActionKeys, 'record-R-fuzz-1', 'R-fuzz-1');
  const check = <A extends ActionName>(name: A, raw: unknown, now: number) =>
    validateAction(machine, ledger, name, signedIfObject('record-R-fuzz-1', name, raw), now);
  const validator = (update: string) => (raw: unknown) =>
    void (update === 'releaseForErasure' ? validateRelease(machine, raw, Date.now()) : check(update as ActionName, raw, Date.now()));
  const take = async (name: ActionName, raw: Record<string, unknown>) => {
    const now = Date.now();
    if (name !== 'sendExplanation') return machine.apply(name, check(name, raw, now), now);
    const action = check('sendExplanation', raw, now);
    machine.beginExplanation();
    machine.explanationSent(action, { messageId: '<fuzz@example.org>', sentAt: iso(now), objectionPeriodEnds: iso(now + 6 * WEEK) }, now);
  };
  return { machine, validator, take };
}
type Lifecycle = ReturnType<typeof lifecycle>;

/** Brings a fresh lifecycle to the phase in which the action is allowed, through the real handlers. */
const setups: Record<ActionName, (l: Lifecycle) => Promise<void>> = {
  registerInquiry: async () => undefined,
  recordConsent: async (l) => {
    await l.take('registerInquiry', { actor: actors.coordinator, inquiryId: '3f0e0b8e-6a51-4c1e-9d59-5b3f8f1c2a10', receivedAt: iso(Date.now() - HOUR) });
  },
  confirmIdentity: async (l) => {
    await setups.recordConsent(l);
    await l.take('recordConsent', { actor: actors.coordinator, given: true });
  },
  sendExplanation: async (l) => {
    await setups.confirmIdentity(l);
    await l.take('confirmIdentity', { actor: actors.coordinator, method: 'letter-to-registered-address', reference: 'BRIEF-2024-0031' });
  },
  fileObjection: async (l) => {
    await setups.sendExplanation(l);
    await l.take('sendExplanation', { actor: actors['screened-reviewer'], language: 'en' });
  },
  decideObjection: async (l) => {
    await setups.fileObjection(l);
    await l.take('fileObjection', { actor: actors.coordinator, reference: 'BZW-2024-1' });
  },
  placeHold: async () => undefined,
  releaseHold: async (l) => {
    await l.take('placeHold', { actor: actors['privacy-officer'], reference: HOLD, reason: 'court order pending' });
  },
  retryErasure: async (l) => {
    l.machine.erasureFailed('case-admin: erasure left 1 row behind', Date.now());
  },
};

const user = fc.stringMatching(/^[a-z][a-z0-9._-]{0,63}$/);
const reference = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/);
const reason = fc.string({ minLength: 3, maxLength: 200 }).filter((r) => r.trim().length >= 3);
const receivedAt = fc
  .record({ before: fc.integer({ min: 1, max: 400 * 24 * HOUR }), offset: fc.constantFrom('Z', '+00:00', '+02:00', '-05:30') })
  .map(({ before, offset }) => {
    const at = new Date(Date.now() - before);
    if (offset === 'Z') return at.toISOString();
    const minutes = (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
    return new Date(at.getTime() + minutes * 60_000).toISOString().replace('Z', offset);
  });

/** A valid payload (without its actor) for each action. */
const payloads: { [A in ActionName]: fc.Arbitrary<Record<string, unknown>> } = {
  registerInquiry: fc.record({ inquiryId: fc.uuid(), receivedAt }),
  recordConsent: fc.record({ given: fc.boolean() }),
  confirmIdentity: fc.record({ method: fc.constantFrom(...identityMethods), reference }),
  sendExplanation: fc.option(fc.constantFrom('nl', 'en'), { nil: undefined }).map((language) => (language ? { language } : {})),
  fileObjection: fc.record({ reference }),
  decideObjection: fc.record({ outcome: fc.constantFrom('proceed', 'retain'), reason, decisionRef: reference }),
  placeHold: fc.record({ reference, reason }),
  releaseHold: fc.constant({ reference: HOLD }),
  retryErasure: fc.record({ reason }),
};
const actionNames = Object.keys(payloads) as ActionName[];

/** What each payload field must refuse. References are ids of documents elsewhere, never paths: "file:///etc/passwd" is a well-formed one. */
const MISSING = Symbol('missing');
const notAReference = hostileText.filter((h) => h.value !== 'file:///etc/passwd');
const notARunRef = hostileText.filter((h) => h.value !== '.' && h.value !== '..');
const hostileFor: Record<string, fc.Arbitrary<Hostile | Hostile<typeof MISSING>>> = {
  inquiryId: fc.oneof(hostileText, wrongType, fc.constant({ kind: 'missing', value: MISSING })),
  receivedAt: fc.oneof(
    hostileText,
    wrongType,
    fc
      .constantFrom('2024-02-30T00:00:00Z', '2024-01-01T00:00:00', '2024-01-01', '1704067200', '2024-01-01T00:00:00+99:99')
      .map((value) => ({ kind: 'bad date', value })),
  ),
  reference: fc.oneof(notAReference, wrongType, fc.constant({ kind: 'missing', value: MISSING })),
  decisionRef: fc.oneof(notAReference, wrongType),
  outcome: fc.oneof(
    hostileText,
    wrongType,
    fc.constantFrom('PROCEED', 'delete', 'proceed ').map((value) => ({ kind: 'unknown outcome', value })),
  ),
  // A reason is free text: SQL or a path in it is text, not an attack; blank, huge or not a string is refused.
  reason: fc.oneof(
    hostileText.filter((h) => h.kind === 'blank' || h.kind.startsWith('huge')),
    fc.string({ minLength: 201, maxLength: 400 }).map((value) => ({ kind: 'long reason', value: `${value}${'x'.repeat(201)}` })),
    wrongType,
    fc.constant({ kind: 'missing', value: MISSING }),
  ),
  given: fc.oneof(
    hostileText,
    wrongType.filter((h) => typeof h.value !== 'boolean'),
    fc.constant({ kind: 'missing', value: MISSING }),
  ),
  // A method is one of three words: a description of the document, or the document itself, is refused.
  method: fc.oneof(
    hostileText,
    wrongType,
    fc.constant({ kind: 'missing', value: MISSING }),
    fc.constantFrom('passport', 'In-Person-Document', 'in-person-document ', 'DigiD').map((value) => ({ kind: 'unknown method', value })),
  ),
  language: fc.oneof(
    hostileText,
    wrongType.filter((h) => h.value !== null),
    fc.constantFrom('NL', 'de', 'nl-NL').map((value) => ({ kind: 'unknown language', value })),
  ),
};

interface PayloadMutation {
  readonly kind: string;
  /** Text the refusal must contain: the field's path, or what the whole payload should be. */
  readonly names: string;
  readonly value?: unknown;
  apply(payload: Record<string, unknown>): unknown;
}

const set = (path: string, value: unknown) => (payload: Record<string, unknown>) => {
  const [head, tail] = path.split('.') as [string, string | undefined];
  const copy: Record<string, unknown> = { ...payload };
  if (tail === undefined) {
    if (value === MISSING) delete copy[head];
    else copy[head] = value;
  } else {
    const inner: Record<string, unknown> = { ...(copy[head] as Record<string, unknown>) };
    if (value === MISSING) delete inner[tail];
    else inner[tail] = value;
    copy[head] = inner;
  }
  return copy;
};

const actorMutation: fc.Arbitrary<PayloadMutation> = fc.oneof(
  fc
    .oneof(hostileText, wrongType, fc.constant({ kind: 'missing', value: MISSING }))
    .map((h) => ({ kind: `actor.user: ${h.kind}`, names: 'actor.user', value: h.value, apply: set('actor.user', h.value) })),
  fc
    .oneof(
      hostileText,
      wrongType,
      fc.constant({ kind: 'missing', value: MISSING }),
      fc.constantFrom('admin', 'Coordinator', 'privacy_officer', 'root', 'privacy-officer ').map((value) => ({ kind: 'not a role', value })),
    )
    .map((h) => ({ kind: `actor.role: ${h.kind}`, names: 'actor.role', value: h.value, apply: set('actor.role', h.value) })),
  fc
    .oneof(wrongType, fc.constant({ kind: 'missing', value: MISSING }))
    .map((h) => ({ kind: `actor: ${h.kind}`, names: 'actor', value: h.value, apply: set('actor', h.value) })),
  unknownFieldName.map((key) => ({
    kind: `actor: extra field ${key}`,
    names: key,
    apply: (p: Record<string, unknown>) => ({ ...p, actor: { ...(p.actor as Record<string, unknown>), [key]: 'x' } }),
  })),
);

/** One hostile change to a valid payload of the action. */
function payloadMutation(name: ActionName, payload: Record<string, unknown>): fc.Arbitrary<PayloadMutation> {
  const fields = Object.keys(hostileFor).filter((f) => f in payload || (name === 'sendExplanation' && f === 'language'));
  const options: fc.Arbitrary<PayloadMutation>[] = [
    actorMutation,
    unknownFieldName.map((key) => ({ kind: `extra field ${key}`, names: key, apply: (p: Record<string, unknown>) => ({ ...p, [key]: 'x' }) })),
    fc
      .constantFrom<unknown>(null, 17, 'approve', [], true, ['x'])
      .map((value) => ({ kind: `payload ${JSON.stringify(value)}`, names: 'expected object', value, apply: () => value })),
    fc
      .constantFrom(...roles.filter((r) => !actionRoles[name].includes(r)))
      .map((role) => ({ kind: `role ${role}`, names: 'for the role', apply: set('actor', actors[role]) })),
  ];
  for (const field of fields) {
    const hostile = hostileFor[field];
    if (hostile) options.push(hostile.map((h) => ({ kind: `${field}: ${h.kind}`, names: field, value: h.value, apply: set(field, h.value) })));
  }
  return fc.oneof(...options);
}

const tally = { actions: 0, release: 0, approve: 0, refused: 0, accepted: 0, valid: 0 };

/** Calls a validator with hostile input: it must throw an Error that says what was refused, and change nothing. */
function expectRefused(validate: (raw: unknown) => void, raw: unknown, prefix: string, mutation: PayloadMutation, version: () => number): void {
  const before = version();
  let error: unknown;
  try {
    validate(raw);
  } catch (err) {
    error = err;
  }
  if (error === undefined) {
    tally.accepted += 1;
    throw new Error(`${mutation.kind}: accepted`);
  }
  tally.refused += 1;
  if (!(error instanceof Error)) throw new Error(`${mutation.kind}: threw ${typeof error}, not an Error`);
  expect(error.message.startsWith(prefix)).toBe(true);
  if (!error.message.includes(mutation.names)) throw new Error(`${mutation.kind}: the refusal does not name ${mutation.names}: ${error.message.slice(0, 300)}`);
  expect(unclearProblem({ field: '', message: error.message }, [mutation.value])).toBeUndefined();
  expect(version()).toBe(before);
}

describe('update validators - hostile payloads (property-based)', () => {
  afterAll(() => {
    console.log(
      `fuzz update payloads: ${tally.actions + tally.release + tally.approve} cases tried (${tally.actions} coordinator actions, ${tally.release} releaseForErasure, ${tally.approve} approveWave), ` +
        `${tally.refused} refused whole, ${tally.accepted} accepted; ${tally.valid} valid payloads accepted`,
    );
  });

  const action = fc
    .constantFrom(...actionNames)
    .chain((name) => payloads[name].chain((payload) => fc.tuple(fc.constant(name), fc.constant(payload), payloadMutation(name, payload))));

  it('recordLifecycle actions - refuse every hostile payload with a message naming the field, in the phase where a valid one is accepted', async () => {
    await fc.assert(
      fc.asyncProperty(action, async ([name, payload, mutation]) => {
        tally.actions += 1;
        const l = lifecycle();
        await setups[name](l);
        const valid = { actor: actors[actionRoles[name][0]!], ...payload };
        expectRefused(l.validator(name), mutation.apply(valid), `${actionLabels[name]} refused: `, mutation, () => l.machine.changes);
        // The same payload without the hostile change is accepted in this phase.
        expect(() => l.validator(name)(valid)).not.toThrow();
      }),
      fuzzSettings(1200),
    );
  });

  it('recordLifecycle actions - accept valid payloads, and the handler applies them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...actionNames).chain((name) => fc.tuple(fc.constant(name), payloads[name], user)),
        async ([name, payload, userName]) => {
          const l = lifecycle();
          await setups[name](l);
          const before = l.machine.changes;
          await l.take(name, { actor: { user: userName, role: actionRoles[name][0]! }, ...payload });
          expect(l.machine.changes).toBeGreaterThan(before);
          tally.valid += 1;
        },
      ),
      fuzzSettings(300),
    );
  });

  it('releaseForErasure - refuses every hostile request with a message naming runRef, and accepts a valid one', () => {
    const mutation = fc.oneof(
      // "." and ".." are refused apart, as a known defect (below).
      fc
        .oneof(notARunRef, wrongType, fc.constant({ kind: 'missing', value: MISSING }))
        .map((h) => ({ kind: `runRef: ${h.kind}`, names: 'runRef', value: h.value, apply: set('runRef', h.value) })),
      unknownFieldName.map((key) => ({ kind: `extra field ${key}`, names: key, apply: (p: Record<string, unknown>) => ({ ...p, [key]: 'x' }) })),
      fc
        .constantFrom<unknown>(null, 17, 'purge-run-1', [], true)
        .map((value) => ({ kind: `request ${JSON.stringify(value)}`, names: 'expected object', value, apply: () => value })),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/), mutation, (runRef, m) => {
        tally.release += 1;
        // Cutoff and purge start have passed: the record is due and may be released.
        const l = lifecycle(policyFrom(-2 * HOUR, -HOUR));
        l.machine.advance(Date.now());
        expectRefused(l.validator('releaseForErasure'), m.apply({ runRef }), 'release refused: ', m, () => l.machine.changes);
        expect(() => l.validator('releaseForErasure')({ runRef })).not.toThrow();
        tally.valid += 1;
      }),
      fuzzSettings(300),
    );
  });

  it('approveWave - refuses every hostile approval with a message naming the field, and accepts the awaited wave', async () => {
    // A run waiting for the approval of its first wave.
    const validate = (raw: unknown) => void approve(raw);
    const valid = { actor: actors['privacy-officer'], wave: 1 };
    expect(() => validate(valid)).not.toThrow();
    const mutation = fc.oneof(
      fc
        .oneof(hostileText, wrongType, fc.constant({ kind: 'missing', value: MISSING }))
        .map((h) => ({ kind: `wave: ${h.kind}`, names: 'wave', value: h.value, apply: set('wave', h.value) })),
      actorMutation.filter((m) => !m.kind.startsWith('actor: extra')),
      fc
        .constantFrom<Role>('coordinator', 'screened-reviewer')
        .map((role) => ({ kind: `role ${role}`, names: 'role privacy-officer', apply: set('actor', actors[role]) })),
      unknownFieldName.map((key) => ({ kind: `extra field ${key}`, names: key, apply: (p: Record<string, unknown>) => ({ ...p, [key]: 'x' }) })),
    );
    fc.assert(
      fc.property(mutation, (m) => {
        tally.approve += 1;
        expectRefused(validate, m.apply(valid), 'approval refused: ', m, () => 0);
      }),
      fuzzSettings(300),
    );
    expect(() => validate(valid)).not.toThrow();
    tally.valid += 1;
  });
});

/** Defects fuzzing found once, fixed since: kept as ordinary tests so that they stay fixed. */
describe('update validators - defects found by fuzzing, fixed', () => {
  it('retryErasure, placeHold, decideObjection - a reason with control characters (terminal escapes, CR/LF, NUL, RTL override) - is refused, never kept in the record history', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('retryErasure' as const, 'placeHold' as const, 'decideObjection' as const),
        fc.constantFrom('\u001b[2J\u001b[31mall erased', 'ok\r\n2024-01-01  erased  system', 'nul\u0000byte', '\u202edesrever', 'bell\u0007'),
        async (name, text) => {
          const l = lifecycle();
          await setups[name](l);
          const payload = {
            retryErasure: { actor: actors.coordinator, reason: 'adapter fixed' },
            placeHold: { actor: actors['privacy-officer'], reference: 'BESL-2024-1', reason: 'court order' },
            decideObjection: { actor: actors['privacy-officer'], outcome: 'proceed', reason: 'objection unfounded', decisionRef: 'BESL-2024-1' },
          }[name];
          expect(() => l.validator(name)(payload)).not.toThrow();
          expect(() => l.validator(name)({ ...payload, reason: text })).toThrow(/reason/);
        },
      ),
      fuzzSettings(20),
    );
  });

  it('every validator - a huge unknown field name - is cut short in the refusal', () => {
    const key = 'k'.repeat(100_000);
    const l = lifecycle();
    let message = '';
    try {
      l.validator('placeHold')({ actor: actors['privacy-officer'], reference: HOLD, reason: 'court order', [key]: 1 });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^hold refused: /);
    expect(message.length).toBeLessThan(1000);
  });

  it('releaseForErasure - a run reference made of dots only ("." or "..") - is refused', () => {
    for (const runRef of ['.', '..', '...']) {
      const l = lifecycle(policyFrom(-2 * HOUR, -HOUR));
      l.machine.advance(Date.now());
      expect(() => l.validator('releaseForErasure')({ runRef })).toThrow(/runRef/);
    }
  });

  it('approveWave - a payload that is not an object - is refused naming the whole approval', async () => {
    expect(() => approve(null)).toThrow(/^approval refused: \(/);
  });
});
