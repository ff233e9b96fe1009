/** What `erasure --help` prints, and every usage error after its message. */
export const USAGE = `erasure — the deletion coordinators' command line
A client of the erasure service: every command runs there, as the account signed in.

Signing in (every command below acts as the account signed in, in its role)
  erasure login --account <id>                       password and second-factor code are asked for
  erasure login --sso                                single sign-on: open the printed address in a browser
  erasure logout                                     ends the session on the service and here
  erasure whoami [--token]                           the account, its role and when the session ends

Registry and lifecycles
  erasure policy add <policy.json>                   store a (versioned, immutable) destruction policy
  erasure import <inventory.csv|.json> --policy <version> [--format csv|json] [--delimiter ";"|","|tab]
                                                     import an inventory, all or nothing (UTF-8 or UTF-16; CSV
                                                     separator detected from the header line unless given)
  erasure start [--dossier <id>]                     start one lifecycle per imported record (idempotent)
  erasure status <recordId> [--json]                 phase, deadlines, history and possible actions
  erasure list [--phase <phase>] [--dossier <id>] [--json]
  erasure reconcile [--dossier <id>]                 re-check erased records; erase again what came back

Destruction (the purge run releases due records in waves; see README "The purge run")
  erasure purge run [--dry-run] [--dossier <id>] [--wave-size N] [--approval] [--reconcile-sample 0..1] [--policy <version>] [--no-wait]
                                                     run now; a dry run changes nothing and lists what would go
  erasure purge approve <runId> --wave N
  erasure purge status [<runId>] [--json]            the last runs, or one run's progress or report
  erasure purge schedule create --policy <version> [--cron "0 2 * * *" | --every 1m] [--wave-size N] [--approval]
  erasure purge schedule describe|trigger|delete
  erasure purge schedule pause|unpause [--note <text>]
  erasure purge schedule backfill --from <ISO time> --to <ISO time>
  erasure report [--json | --html <file>]            the whole operation, for the people accountable
  erasure certificates verify [--public-key <key.pem> ...]
                                                     check every certificate's hash, chain link and signature
  erasure certificates public-key                    the signing keys' public halves (PEM), for auditors
  erasure certificates lookup <subject.json> --purpose <text>
                                                     was this person's data destroyed? (name and residence from a file)
  erasure certificates export (--record <id> | --run <runId>) --out <folder>
                                                     JSON and a forwardable HTML document, checked while exported

Backups (each person's rows sealed under their own key; erasure destroys the key)
  erasure backup create [--out <folder>]             the case administration and the registry, into ERASURE_BACKUP_DIR
  erasure backup list                                the backups, and how many persons in each are still readable
  erasure backup restore <file> [--into <postgres url>] [--registry]
                                                     into an empty database; erased persons stay sealed or are refused
  erasure backup check [--into <postgres url>] [--erase]
                                                     finds erased persons (suppression list) in a case administration

Inquiries (each action is the signed-in account's; the service signs it for the lifecycle)
  erasure inquiry register <inquiry.json> --policy <version>
                                                     links exact matches; other likely records become candidates
  erasure inquiry status <inquiryId> [--json]        links, candidates, decisions, the answer
  erasure inquiry review <inquiryId> --purpose <text>  (asks for the second factor again)
                                                     the requester's name beside each candidate's (logged)
  erasure inquiry confirm|reject <inquiryId> --record <recordId> [--reason <text>]
  erasure inquiry no-match <inquiryId>
                                                     none is the requester: only then is "no data found" sent
  erasure consent <recordId> --given|--refused
  erasure identity <recordId> --method <method> --reference <id>
                                                     the requester's identity is confirmed: how (in-person-document,
                                                     letter-to-registered-address, electronic-identity) and where the
                                                     evidence is kept (a register number, a letter's id; never a copy)
  erasure consult <recordId> --purpose <text>
  erasure explain <recordId> [--language nl|en]
  erasure object <recordId> --reference <id>
  erasure decide <recordId> --proceed|--retain --reason <text> --decision-ref <id>
  erasure hold <recordId> --reference <id> --reason <text>
  erasure release <recordId> --reference <id>
  erasure retry <recordId> --reason <text>
  erasure access-log [--record <recordId>] [--export <file.csv|.json>]
                                                     consultations, lookups and Web UI decodes; the export is logged too

Temporal payloads are encrypted (AES-256-GCM, ERASURE_PAYLOAD_KEY)
  erasure codec serve                                the codec server on its own (npm start runs one); it accepts
                                                     a screened reviewer's session (erasure whoami --token)

Accounts and security (administrator; the security log also for the privacy officer)
  erasure users add <id> --role <role>               prints the new account's password and second-factor secret once
  erasure users disable <id>                         ends its sessions; it cannot sign in again
  erasure users reset-2fa <id>                       a new second-factor secret
  erasure users list
  erasure security-log [--account <id>] [--json]     sign-ins, failures, lockouts, sign-outs, refusals

The CLI needs only the service's address: ERASURE_SERVICE_URL (the local service unless set); see README.md.`;
