/** The authentication core of the erasure service, as the routes use it. */
export { Accounts, type AccountsOptions } from './accounts';
export { accountIdSchema, lockedMessage, SIGN_IN_REFUSED, type AccountInfo, type NewCredentials, type SignInMethod, type SignInResult } from './account-info';
export { DEMO_ACCOUNTS, ensureDemoAccounts, formatCredentials } from './demo-accounts';
export { generatePassword, hashPassword, verifyPassword } from './passwords';
export {
  appendSecurityLog,
  readSecurityLog,
  securityEvents,
  securityEventSchema,
  type SecurityEvent,
  type SecurityLogEntry,
  type SecurityLogRow,
} from './security-log';
export { formatDuration, Sessions, type Session, type SessionCheck, type SessionRefusal, type SessionsOptions } from './sessions';
export { currentTotpCode, newTotpSecret, TOTP_ISSUER, totpUri, verifyTotp } from './totp';
