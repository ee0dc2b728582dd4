import { type LockRequest, parseLockRequest, runLockCommand } from '../shared/lock-command';
import { MODEL_LOCK_RULES } from './lock';

// `npm run models:lock [-- --config <file>] [--remove <model> ...]`
// Records the declared models and their lifecycle in models.lock.json beside the config file; refuses to forget a
// model that is still active there. `--remove` records the removal of a retired model. See
// docs/stage-5-portfolio-governance.md. Exit codes: 0 written, 1 refused or an invalid config, 2 usage error.

export const USAGE = 'usage: npm run models:lock [-- --config <file>] [--remove <model> ...]';
const REMOVE = '--remove';

/** The arguments after `npm run models:lock --`, or the usage problem as a string. */
export function parseArgs(argv: readonly string[]): LockRequest | string {
  return parseLockRequest(argv, REMOVE);
}

if (require.main === module) {
  process.exitCode = runLockCommand(process.argv.slice(2), {
    usage: USAGE,
    removeFlag: REMOVE,
    rules: MODEL_LOCK_RULES,
  });
}
