import { generateKeyPairSync } from 'node:crypto';
import { signingKeyFrom } from '../activities/crypto';

// `npm run keys:signing`: a new Ed25519 signing key for ERASURE_SIGNING_KEY (stdout), and
// its key id and public key (stderr) for the auditors.
const secret = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
const key = signingKeyFrom(secret);
console.error(`key id ${key.keyId}; public key for auditors:\n${key.publicKeyPem.trim()}`);
console.log(secret);
