import { startTestServices } from '../global-setup';

/** The cluster suite's services: a Temporal cluster on the embedded PostgreSQL instead of the dev server. */
export default function globalSetup(): Promise<void> {
  return startTestServices({ temporal: 'cluster' });
}
