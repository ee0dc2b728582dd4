import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../lib/config/loader';
import { parseLockArgs } from '../shared/lock-args';
import { type LockRequest, planFeatureGroupLock, writeFeatureGroupLock } from './lock';

// `npm run feature-groups:lock [-- --config <file>] [--drop <group> ...]`
// Records the declared feature groups in the lock beside the config file, refusing changes SageMaker cannot
// make in place; `--drop` removes a group on purpose. See docs/feature-store.md.
// Exit codes: 0 written, 1 refused or an invalid config (the message says why), 2 usage error.

export const USAGE = 'usage: npm run feature-groups:lock [-- --config <file>] [--drop <group> ...]';

/** The arguments after `npm run feature-groups:lock --`, or the usage problem as a string. */
export function parseArgs(argv: readonly string[]): LockRequest | string {
  const args = parseLockArgs(argv, '--drop');
  return typeof args === 'string' ? args : { config: args.config, drop: args.names };
}

function main(argv: readonly string[]): number {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`error: ${args}\n${USAGE}\n`);
    return 2;
  }
  const file = path.resolve(args.config);
  if (!existsSync(file)) {
    process.stderr.write(`error: --config: file not found: ${file}\n${USAGE}\n`);
    return 2;
  }
  try {
    const plan = planFeatureGroupLock(args);
    if (plan.kind === 'refused') {
      process.stderr.write(
        `refusing to record ${plan.shownPath}:\n${plan.problems.map((p) => `  - ${p}`).join('\n')}\n`,
      );
      return 1;
    }
    writeFeatureGroupLock(plan);
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
