import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../lib/config/loader';
import { parseLockArgs } from '../shared/lock-args';
import { type ModelLockRequest, planModelLock, writeModelLock } from './lock';

// `npm run models:lock [-- --config <file>] [--remove <model> ...]`
// Records the declared models and their lifecycle in models.lock.json beside the config file; refuses to forget a
// model that is still active there. `--remove` records the removal of a retired model. See
// docs/stage-5-portfolio-governance.md. Exit codes: 0 written, 1 refused or an invalid config, 2 usage error.

export const USAGE = 'usage: npm run models:lock [-- --config <file>] [--remove <model> ...]';

/** The arguments after `npm run models:lock --`, or the usage problem as a string. */
export function parseArgs(argv: readonly string[]): ModelLockRequest | string {
  const args = parseLockArgs(argv, '--remove');
  return typeof args === 'string' ? args : { config: args.config, remove: args.names };
}

function main(argv: readonly string[]): number {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`error: ${args}\n${USAGE}\n`);
    return 2;
  }
  if (!existsSync(path.resolve(args.config))) {
    process.stderr.write(`error: --config: file not found: ${path.resolve(args.config)}\n${USAGE}\n`);
    return 2;
  }
  try {
    const plan = planModelLock(args);
    if (plan.kind === 'refused') {
      process.stderr.write(
        `refusing to record ${plan.shownPath}:\n${plan.problems.map((p) => `  - ${p}`).join('\n')}\n`,
      );
      return 1;
    }
    writeModelLock(plan);
    const summary = plan.changes.length === 0 ? ['no changes'] : plan.changes;
    process.stdout.write(`wrote ${plan.shownPath}:\n${summary.map((c) => `  - ${c}`).join('\n')}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
