import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, DEFAULT_CONFIG_PATH, resolveConfig } from '../lib/config/loader';
import {
  FEATURE_GROUP_LOCK_FILE,
  readFeatureGroupLock,
  renderFeatureGroupLock,
  updateFeatureGroupLock,
} from '../lib/feature-store/schema-guard';

// `npm run feature-groups:lock [-- --config <file>] [--drop <group> ...]`
// Records the declared feature groups in the lock beside the config file, refusing changes SageMaker cannot
// make in place; `--drop` removes a group on purpose. See docs/feature-store.md.

const USAGE = 'usage: npm run feature-groups:lock [-- --config <file>] [--drop <group> ...]';

function parseArgs(argv: readonly string[]): { config: string; drop: string[] } | string {
  let config = DEFAULT_CONFIG_PATH;
  const drop: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if ((arg === '--config' || arg === '--drop') && (value === undefined || value.startsWith('--'))) {
      return `${arg} needs a value`;
    }
    if (arg === '--config') config = value as string;
    else if (arg === '--drop') drop.push(value as string);
    else return `unknown argument ${JSON.stringify(arg)}`;
    i++;
  }
  return { config, drop };
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
    // the config must be valid on its own; the lock is compared below, with the drops applied
    const config = resolveConfig(JSON.parse(readFileSync(file, 'utf8')), {}, args.config);
    const lockPath = path.join(path.dirname(file), FEATURE_GROUP_LOCK_FILE);
    const lockFile = readFeatureGroupLock(
      lockPath,
      path.join(path.dirname(args.config), FEATURE_GROUP_LOCK_FILE),
      args.config,
    );
    const update = updateFeatureGroupLock(config.config.featureGroups, lockFile, args.drop);
    if (!update.lock) {
      process.stderr.write(
        `refusing to record ${lockFile.path}:\n${update.problems.map((p) => `  - ${p}`).join('\n')}\n`,
      );
      return 1;
    }
    writeFileSync(lockPath, renderFeatureGroupLock(update.lock));
    const summary = update.changes.length === 0 ? ['no changes'] : update.changes;
    process.stdout.write(`wrote ${lockFile.path}:\n${summary.map((c) => `  - ${c}`).join('\n')}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
