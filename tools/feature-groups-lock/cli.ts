import { type LockRequest, parseLockRequest, runLockCommand } from '../shared/lock-command';
import { FEATURE_GROUP_LOCK_RULES } from './lock';

// `npm run feature-groups:lock [-- --config <file>] [--drop <group> ...]`
// Records the declared feature groups in the lock beside the config file, refusing changes SageMaker cannot
// make in place; `--drop` removes a group on purpose. See docs/feature-store.md.
// Exit codes: 0 written, 1 refused or an invalid config (the message says why), 2 usage error.

export const USAGE = 'usage: npm run feature-groups:lock [-- --config <file>] [--drop <group> ...]';
const DROP = '--drop';

/** The arguments after `npm run feature-groups:lock --`, or the usage problem as a string. */
export function parseArgs(argv: readonly string[]): LockRequest | string {
  return parseLockRequest(argv, DROP);
}

if (require.main === module) {
  process.exitCode = runLockCommand(process.argv.slice(2), {
    usage: USAGE,
    removeFlag: DROP,
    rules: FEATURE_GROUP_LOCK_RULES,
  });
}
