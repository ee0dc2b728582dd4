import { realpathSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../lib/config/loader';
import { FEATURE_GROUP_LOCK_FILE } from '../../lib/feature-store/schema-guard';
import { cdkJsonContext, REPO_ROOT, type SynthesizedPlatform, synthPlatform } from '../support/platform';

/** The one command that accepts a change of what the fork synthesizes (package.json: jest test/fork -u). */
export const UPDATE_COMMAND = 'npm run test:update';

/**
 * The fork's own config/platform.json (and its feature-groups lock), loaded exactly as `cdk synth` loads it with
 * no -c flags (`loadConfig({}, REPO_ROOT)`, plus any config, maturity or environments a fork sets in cdk.json),
 * and synthesized once. bin/platform.ts reads those three from the context, so a fork that sets them in cdk.json
 * synthesizes with them. This is the only place in test/ that reads that file: the platform's own
 * tests synthesize the fixtures of test/support/fixtures.ts.
 */
export function synthFork(): SynthesizedPlatform {
  const context = cdkJsonContext();
  const config = loadConfig(
    { config: context.config, maturity: context.maturity, environments: context.environments },
    REPO_ROOT,
  );
  return synthPlatform({ resolved: config });
}

/** The config file `cdk synth` reads, relative to the repository: config/platform.json unless cdk.json names another. */
export function forkConfigPath(): string {
  const named = cdkJsonContext().config;
  return typeof named === 'string' ? path.normalize(named) : DEFAULT_CONFIG_PATH;
}

/** The feature-groups lock beside the fork's config, where the loader reads it. */
export function forkLockPath(): string {
  return path.join(path.dirname(forkConfigPath()), FEATURE_GROUP_LOCK_FILE);
}

const ASSET_HASH = /[0-9a-f]{64}/g;
const VERSIONS = [require('aws-cdk-lib/package.json').version, require('cdk-nag/package.json').version] as string[];

function literally(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g');
}

/** What differs between clones, machines and dependency versions, but not between configs. */
const MACHINE_SPECIFIC: ReadonlyArray<[RegExp, string]> = [
  ...[...new Set([REPO_ROOT, realpathSync(REPO_ROOT)])].map((root): [RegExp, string] => [literally(root), '<repo>']),
  [ASSET_HASH, '[ASSET HASH]'],
  ...VERSIONS.map((version): [RegExp, string] => [literally(version), '[LIBRARY VERSION]']),
];

function normalizeValue(value: unknown): unknown {
  if (typeof value === 'string') {
    return MACHINE_SPECIFIC.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), value);
  }
  if (Array.isArray(value)) return value.map(normalizeValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [normalizeValue(key) as string, normalizeValue(v)]),
    );
  }
  return value;
}

/**
 * A template as it would look on any machine: asset hashes (and the S3 keys made of them), library versions and
 * the repository's absolute path are replaced by placeholders, and the bootstrap-version check CDK adds to every
 * stack (its wording changes with CDK releases) is reduced to its presence.
 */
export function normalizeTemplate(template: Record<string, unknown>): Record<string, unknown> {
  const normalized = normalizeValue(template) as Record<string, Record<string, unknown> | undefined>;
  const { Parameters, Rules } = normalized;
  if (Parameters?.BootstrapVersion) Parameters.BootstrapVersion = '[CDK BOOTSTRAP VERSION PARAMETER]';
  if (Rules?.CheckBootstrapVersion) Rules.CheckBootstrapVersion = '[CDK BOOTSTRAP VERSION CHECK]';
  return normalized;
}

/**
 * `expect(value).toMatchSnapshot(name)`, failing with a message that says the fork's config changed `what` and
 * names the command that accepts the change. A missing snapshot is not written by a plain `npm test` (in CI or
 * not) and fails the same way: only `npm run test:update` accepts what the config synthesizes. A failed snapshot does not throw: jest keeps it aside (`suppressedErrors`) to report at the end of the test,
 * so it is taken from there and thrown again with the message in front.
 */
export function expectForkSnapshot(value: unknown, name: string, what: string): void {
  const state = expect.getState() as {
    suppressedErrors?: Error[];
    snapshotState?: { _updateSnapshot?: 'all' | 'new' | 'none' };
  };
  const before = state.suppressedErrors?.length ?? 0;
  const failures: Error[] = [];
  // a plain `npm test` outside CI would write a missing snapshot ('new'); accepting one is npm run test:update's job
  const snapshots = state.snapshotState;
  const mode = snapshots?._updateSnapshot;
  if (snapshots && mode === 'new') snapshots._updateSnapshot = 'none';
  try {
    expect(value).toMatchSnapshot(name);
  } catch (error) {
    failures.push(error as Error);
  } finally {
    if (snapshots && mode === 'new') snapshots._updateSnapshot = mode;
  }
  failures.push(...(state.suppressedErrors?.splice(before) ?? []));
  if (failures.length === 0) return;
  throw new Error(
    `config/platform.json changed ${what}: review the diff below; if it is what you meant, run ${UPDATE_COMMAND} and commit test/fork/__snapshots__ (not npm test -- -u, which would also rewrite the platform's own snapshots)\n\n${failures.map((f) => f.message).join('\n\n')}`,
  );
}
