import { generateKeyPairSync, sign } from 'node:crypto';
import { ActionSigner } from '../../service/action-signer';
import { actionMessage, canonicalJson, type Proof, type Warrant } from '../../schemas/signed-action';
import { validateApproval, startProblem } from '../../workflows/purge-approval';
import { ActionLedger } from '../../workflows/record/authenticity';
import { RecordMachine } from '../../workflows/record/machine';
import { validateAction } from '../../workflows/record/validate';
import { signatureProblem } from '../../workflows/signed-action';
import { refusalTypes } from '../../workflows/definitions';
import { signed, testActionKeys, testActionSigner } from '../helpers/services';

const WF = 'record-R-sig';
const NOW = Date.parse('2026-03-02T10:00:00Z');
const OFFICER = { user: 'olga', role: 'privacy-officer' as const };
const COORDINATOR = { user: 'cora', role: 'coordinator' as const };
const hold = { actor: OFFICER, reference: 'HOLD-1', reason: 'court order pending' };
const at = (ms: number) => new Date(ms);
const verify = (body: unknown, o: { workflowId?: string; update?: string; now?: number; used?: Set<string>; keys?: string[] } = {}) =>
  signatureProblem({
    keys: o.keys ?? testActionKeys,
    workflowId: o.workflowId ?? WF,
    update: o.update ?? 'placeHold',
    body,
    now: o.now ?? NOW,
    usedNonces: o.used ?? new Set(),
  });

describe('signed actions - the verifier the workflows run', () => {
  it('signatureProblem - an action the service signed for this workflow and update, now - is authentic', () => {
    const body = signed(WF, 'placeHold', hold, at(NOW));
    expect(body.proof).toEqual({
      keyId: testActionKeys[0],
      at: at(NOW).toISOString(),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      signature: expect.any(String),
    });
    expect(verify(body)).toBeUndefined();
  });

  it('signatureProblem - no proof, or a malformed one - is refused saying so', () => {
    expect(verify(hold)).toBe('it carries no proof');
    expect(verify({ ...hold, proof: { keyId: 'x' } })).toMatch(/^its proof is malformed/);
  });

  it('signatureProblem - a forged role, a forged account, a changed field - breaks the signature', () => {
    const body = signed(WF, 'placeHold', hold, at(NOW));
    const broken = /^its signature does not match this action on record-R-sig \(placeHold\)/;
    expect(verify({ ...body, actor: { ...OFFICER, role: 'coordinator' } })).toMatch(broken);
    expect(verify({ ...body, actor: { ...OFFICER, user: 'mallory' } })).toMatch(broken);
    expect(verify({ ...body, reference: 'HOLD-2' })).toMatch(broken);
    expect(verify({ ...body, extra: 'x' })).toMatch(broken);
    expect(verify({ ...body, proof: { ...body.proof, at: at(NOW + 1).toISOString() } })).toMatch(broken);
  });

  it('signatureProblem - signed for another workflow (another record) or another update - is refused', () => {
    const body = signed('record-R-other', 'placeHold', hold, at(NOW));
    expect(verify(body)).toMatch(/^its signature does not match/);
    expect(verify(signed(WF, 'releaseHold', hold, at(NOW)))).toMatch(/^its signature does not match/);
  });

  it('signatureProblem - a nonce this workflow accepted before - is refused as a replay', () => {
    const body = signed(WF, 'placeHold', hold, at(NOW));
    expect(verify(body, { used: new Set([body.proof.nonce]) })).toBe(`its nonce ${body.proof.nonce} was used before in ${WF} (a replay)`);
  });

  it('signatureProblem - older than 5 minutes or more than 1 minute ahead of the workflow clock - is refused; within the window it passes', () => {
    expect(verify(signed(WF, 'placeHold', hold, at(NOW - 5 * 60_000 - 1)))).toMatch(/more than 5 minutes ago$/);
    expect(verify(signed(WF, 'placeHold', hold, at(NOW + 60_001)))).toMatch(/more than 1 minute ahead of the workflow's clock$/);
    expect(verify(signed(WF, 'placeHold', hold, at(NOW - 5 * 60_000)))).toBeUndefined();
    expect(verify(signed(WF, 'placeHold', hold, at(NOW + 60_000)))).toBeUndefined();
  });

  it('signatureProblem - a key the workflow was not started with - is refused, even when the signature is good', () => {
    const { signer: other } = ActionSigner.generate();
    expect(verify(other.sign(WF, 'placeHold', hold, at(NOW)))).toMatch(/which this workflow does not know$/);
    // Rotation: a workflow started with both keys accepts either.
    expect(verify(other.sign(WF, 'placeHold', hold, at(NOW)), { keys: [...testActionKeys, other.keyId] })).toBeUndefined();
  });

  it('actionMessage - is domain-separated canonical JSON over v, workflowId, update and the body with the proof minus its signature: verifiable with node:crypto alone', () => {
    const body = signed(WF, 'placeHold', hold, at(NOW));
    const { signature, ...unsigned } = body.proof;
    const expected = `erasure-orchestrator/action/v1\n${canonicalJson({ v: 1, workflowId: WF, update: 'placeHold', body: { ...hold, proof: unsigned } })}`;
    expect(actionMessage(WF, 'placeHold', body)).toBe(expected);
    // An independent Ed25519 signer over the same bytes is accepted: the format is the contract, not this code.
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keyId = publicKey.export({ format: 'jwk' }).x!;
    const proof: Omit<Proof, 'signature'> = { keyId, at: at(NOW).toISOString(), nonce: 'AAAAAAAAAAAAAAAAAAAAAA' };
    const own = {
      ...hold,
      proof: { ...proof, signature: sign(null, Buffer.from(actionMessage(WF, 'placeHold', { ...hold, proof })), privateKey).toString('base64url') },
    };
    expect(verify(own, { keys: [keyId] })).toBeUndefined();
    expect(signature).toHaveLength(86);
  });
});

describe('signed actions - the record validators', () => {
  const policy = {
    version: 'sig',
    inquiryCutoff: at(NOW - 1000).toISOString(),
    purgeStart: at(NOW + 1e9).toISOString(),
    objectionPeriod: '6w',
    responseDeadline: '30d',
    retentionReview: '26w',
  };
  const fresh = () => {
    const machine = new RecordMachine({ recordId: 'R-sig', dossier: 'D', policy }, NOW);
    return { machine, ledger: new ActionLedger(testActionKeys, WF, 'R-sig') };
  };
  const refusedAs = (work: () => unknown) => {
    try {
      work();
    } catch (err) {
      return { type: (err as { type?: string }).type, message: (err as Error).message };
    }
    return undefined;
  };

  it('validateAction - an unsigned hold - is refused as NotAuthentic, naming the service, before the role is believed', () => {
    const { machine, ledger } = fresh();
    expect(refusedAs(() => validateAction(machine, ledger, 'placeHold', { ...hold, actor: COORDINATOR }, NOW))).toEqual({
      type: refusalTypes.unsigned,
      message: 'hold refused: the action is not signed by the erasure service (it carries no proof): send it through the service (`erasure hold R-sig …`)',
    });
    expect(validateAction(machine, ledger, 'placeHold', signed(WF, 'placeHold', hold, at(NOW)), NOW)).toMatchObject({ reference: 'HOLD-1' });
  });

  it('validateAction - a replay of an accepted action - is refused once the handler spent its nonce', () => {
    const { machine, ledger } = fresh();
    const body = signed(WF, 'placeHold', hold, at(NOW));
    const action = validateAction(machine, ledger, 'placeHold', body, NOW);
    ledger.accepted('placeHold', body, action, at(NOW).toISOString());
    machine.apply('placeHold', action, NOW);
    expect(refusedAs(() => validateAction(machine, ledger, 'placeHold', body, NOW))?.message).toMatch(/was used before in record-R-sig \(a replay\)/);
    expect(ledger.decisions()).toEqual([
      expect.objectContaining({ action: 'placeHold', actor: OFFICER, workflowId: WF, update: 'placeHold', proof: body.proof }),
    ]);
  });

  it('validateAction - four eyes - a privacy officer who filed the objection may not decide to proceed; another may, and the filer may retain', () => {
    const { ledger } = fresh();
    const filer = { user: 'pat', role: 'coordinator' as const };
    ledger.accepted(
      'fileObjection',
      signed(WF, 'fileObjection', { actor: filer, reference: 'BEZW-1' }),
      { actor: filer, reference: 'BEZW-1' },
      at(NOW).toISOString(),
    );
    expect(
      ledger.fourEyesProblem('decideObjection', {
        actor: { user: 'pat', role: 'privacy-officer' },
        outcome: 'proceed',
        reason: 'unfounded',
        decisionRef: 'B-1',
      }),
    ).toBe('a decision to proceed needs a privacy officer other than pat, who filed the objection');
    expect(ledger.fourEyesProblem('decideObjection', { actor: OFFICER, outcome: 'proceed', reason: 'unfounded', decisionRef: 'B-1' })).toBeUndefined();
    expect(
      ledger.fourEyesProblem('decideObjection', { actor: { user: 'pat', role: 'privacy-officer' }, outcome: 'retain', reason: 'founded', decisionRef: 'B-1' }),
    ).toBeUndefined();
  });
});

describe('signed actions - registerInquiry, warranted by what the service signed for the inquiry', () => {
  const INQUIRY = '3f0e0b8e-6a51-4c1e-9d59-5b3f8f1c2a10';
  const REVIEWER = { user: 'rev', role: 'screened-reviewer' as const };
  const receivedAt = new Date(NOW - 86_400_000).toISOString();
  const ledger = () => new ActionLedger(testActionKeys, WF, 'R-sig');
  const register = (actor: typeof COORDINATOR | typeof REVIEWER, warrant?: Warrant) => ({
    actor,
    inquiryId: INQUIRY,
    receivedAt,
    ...(warrant ? { warrant } : {}),
  });
  const problem = (l: ActionLedger, raw: ReturnType<typeof register>) => l.authenticityProblem('registerInquiry', raw, raw, NOW);
  const confirmation = (recordId: string, actor = REVIEWER, outcome = 'confirm') => ({
    workflowId: `inquiry-${INQUIRY}`,
    update: 'decideCandidate',
    body: signed(`inquiry-${INQUIRY}`, 'decideCandidate', { actor, recordId, outcome }, new Date(NOW - 30 * 86_400_000)),
  });

  it("authenticityProblem - the coordinator's signed registration, weeks old - warrants it in the coordinator's name only", () => {
    const registration = testActionSigner.signInquiryRegistration(COORDINATOR, INQUIRY, receivedAt, new Date(NOW - 30 * 86_400_000));
    expect(problem(ledger(), register(COORDINATOR, registration))).toBeUndefined();
    expect(problem(ledger(), register(REVIEWER, registration))).toMatch(/signed for another account/);
    const other = testActionSigner.signInquiryRegistration(COORDINATOR, INQUIRY, new Date(NOW).toISOString());
    expect(problem(ledger(), register(COORDINATOR, other))).toBe('its warrant names another inquiry or receipt');
    expect(problem(ledger(), register(COORDINATOR, { ...registration, body: { ...registration.body, receivedAt: new Date(NOW).toISOString() } }))).toBe(
      'its warrant names another inquiry or receipt',
    );
  });

  it("authenticityProblem - a reviewer's signed confirmation - warrants this record only, and only a confirmation", () => {
    expect(problem(ledger(), register(REVIEWER, confirmation('R-sig')))).toBeUndefined();
    expect(problem(ledger(), register(REVIEWER, confirmation('R-other')))).toBe('its warrant is not a confirmation of record R-sig');
    expect(problem(ledger(), register(REVIEWER, confirmation('R-sig', REVIEWER, 'reject')))).toBe('its warrant is not a confirmation of record R-sig');
    const forged = confirmation('R-other');
    expect(problem(ledger(), register(REVIEWER, { ...forged, body: { ...forged.body, recordId: 'R-sig' } }))).toMatch(/signature does not match/);
  });

  it('authenticityProblem - no proof and no warrant, or a warrant of another kind - is refused', () => {
    expect(problem(ledger(), register(COORDINATOR))).toBe('it carries no proof');
    expect(problem(ledger(), register(REVIEWER, { ...confirmation('R-sig'), update: 'confirmNoMatch' }))).toBe(
      'a confirmNoMatch does not warrant registering an inquiry',
    );
  });
});

describe('signed actions - the purge run', () => {
  const RUN = 'purge-run-sig';
  const starter = { user: 'sam', role: 'privacy-officer' as const };
  const state = (used = new Set<string>()) => ({
    runRef: RUN,
    stage: 'release',
    waves: 0,
    awaitingWave: 1,
    keys: testActionKeys,
    startedBy: testActionSigner.signPurgeStart(starter, { workflowId: RUN }),
    now: Date.now(),
    usedNonces: used,
  });
  const message = (work: () => unknown) => {
    try {
      work();
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('validateApproval - unsigned, forged, for another run or replayed - is refused as not signed by the service', () => {
    expect(message(() => validateApproval({ actor: OFFICER, wave: 1 }, state()))).toBe(
      `approval refused: the action is not signed by the erasure service (it carries no proof): send it through the service (\`erasure purge approve ${RUN} --wave 1\`)`,
    );
    const good = signed(RUN, 'approveWave', { actor: OFFICER, wave: 1 });
    expect(message(() => validateApproval({ ...good, actor: { user: 'olga', role: 'privacy-officer' }, wave: 2 }, state()))).toMatch(
      /signature does not match/,
    );
    expect(message(() => validateApproval(signed('purge-run-other', 'approveWave', { actor: OFFICER, wave: 1 }), state()))).toMatch(/signature does not match/);
    expect(message(() => validateApproval(good, state(new Set([good.proof.nonce]))))).toMatch(/\(a replay\)/);
    expect(validateApproval(good, state())).toMatchObject({ actor: OFFICER, wave: 1 });
    // A run some client started without the service: its starter is not believed, so none of its waves can be approved.
    expect(message(() => validateApproval(good, { ...state(), startedBy: { actor: starter } }))).toBe(
      `approval refused: run ${RUN} was not started through the erasure service (it carries no proof), so no wave of it can be approved`,
    );
  });

  it('validateApproval - four eyes - the privacy officer who started the run, or created its schedule, may not approve its waves', () => {
    expect(message(() => validateApproval(signed(RUN, 'approveWave', { actor: starter, wave: 1 }), state()))).toBe(
      `approval refused: approving a wave needs a privacy officer other than sam, who started run ${RUN}`,
    );
    const scheduled = { ...state(), startedBy: testActionSigner.signPurgeStart(starter, { scheduleId: 'nightly' }) };
    expect(message(() => validateApproval(signed(RUN, 'approveWave', { actor: starter, wave: 1 }), scheduled))).toBe(
      'approval refused: approving a wave needs a privacy officer other than sam, who created the purge schedule nightly',
    );
  });

  it('startProblem - a run started without the service, or naming another starter than it signed - is refused; a schedule start is good for each of its runs', () => {
    expect(startProblem({ actor: starter }, testActionKeys, RUN)).toBe('it carries no proof');
    const start = testActionSigner.signPurgeStart(starter, { workflowId: RUN });
    expect(startProblem(start, testActionKeys, RUN)).toBeUndefined();
    expect(startProblem({ ...start, actor: COORDINATOR }, testActionKeys, RUN)).toMatch(/signature does not match/);
    expect(startProblem(start, testActionKeys, 'purge-run-another')).toMatch(/signature does not match/);
    const schedule = testActionSigner.signPurgeStart(starter, { scheduleId: 'nightly' }, new Date(Date.now() - 90 * 86_400_000));
    expect(startProblem(schedule, testActionKeys, 'purge-run-2026-06-01T02:00:00Z')).toBeUndefined();
  });
});
