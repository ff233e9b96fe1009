import { currentTotpCode } from '../service/auth/totp';

/**
 * `npm run totp -- <secret>`: the current second-factor code for a secret, for the demo
 * accounts on a machine without an authenticator app. A real account's secret belongs in
 * its holder's authenticator app, not in a shell history.
 */
async function main(): Promise<void> {
  const secret = process.argv[2];
  if (!secret || !/^[A-Z2-7]+=*$/i.test(secret)) {
    console.error('usage: npm run totp -- <secret>   (the Base32 second-factor secret, e.g. from .data/demo-accounts.txt)');
    process.exitCode = 2;
    return;
  }
  console.log(await currentTotpCode(secret.toUpperCase()));
}

void main();
