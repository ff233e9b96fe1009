import { accountIdSchema } from '../../service/auth/accounts';
import { formatCredentials } from '../../service/auth/demo-accounts';
import { formatDuration } from '../../service/auth/sessions';
import { actorSchema } from '../../schemas/roles';

describe('auth formats - account names, durations, credentials', () => {
  it('accountIdSchema - account names - accepts exactly what ERASURE_ROLES accepts', () => {
    for (const id of ['admin', 'reviewer-1', 'a', 'x.y_z-9', 'a'.repeat(64), 'A', '1abc', 'a b', 'a'.repeat(65), '', 'ab@c', 'Reviewer']) {
      expect([id, accountIdSchema.safeParse(id).success]).toEqual([id, actorSchema.safeParse({ user: id, role: 'coordinator' }).success]);
    }
    expect(accountIdSchema.safeParse('reviewer-1').success).toBe(true);
    expect(accountIdSchema.safeParse('Reviewer').success).toBe(false);
  });

  it('formatDuration - the session limits - read as a person says them', () => {
    expect(formatDuration(15 * 60_000)).toBe('15 min');
    expect(formatDuration(8 * 3_600_000)).toBe('8 h');
    expect(formatDuration(90_000)).toBe('90 s');
  });

  it('formatCredentials - two accounts - one block each with every field', () => {
    const text = formatCredentials([
      { id: 'admin', role: 'administrator', password: 'pw1', totpSecret: 'S1', otpauthUri: 'otpauth://totp/x' },
      { id: 'reviewer-1', role: 'screened-reviewer', password: 'pw2', totpSecret: 'S2', otpauthUri: 'otpauth://totp/y' },
    ]);
    expect(text).toBe(
      [
        'account:     admin (administrator)',
        'password:    pw1',
        'TOTP secret: S1',
        'otpauth URI: otpauth://totp/x',
        '',
        'account:     reviewer-1 (screened-reviewer)',
        'password:    pw2',
        'TOTP secret: S2',
        'otpauth URI: otpauth://totp/y',
        '',
      ].join('\n'),
    );
  });
});
