import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CloudFormationTemplate } from './platform';

interface CreateOnlyTable {
  readonly region: string;
  readonly types: Record<string, string[]>;
}

/** Create-only properties per resource type, generated from the CloudFormation schemas by scripts/create-only-properties.py. */
export const CREATE_ONLY: CreateOnlyTable = JSON.parse(
  readFileSync(path.join(__dirname, 'create-only-properties.json'), 'utf8'),
);

function valueAt(properties: Record<string, unknown> | undefined, pointer: string): unknown {
  let current: unknown = properties;
  for (const segment of pointer.split('/')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** A stateless resource that a higher stage removes on purpose, and the ADR that says why. */
export interface DocumentedRemoval {
  readonly type: string;
  /** Its logical id, as CDK derives it from the construct path (with the hash). */
  readonly logicalId: RegExp;
  readonly adr: string;
}

/**
 * The removals the upgrade check accepts: each is stateless, named by type and logical id, and its ADR says why
 * it goes. Nothing else may be removed or replaced between stages.
 */
export const DOCUMENTED_REMOVALS: readonly DocumentedRemoval[] = [
  // from stage 3 each environment trains its own models: dev keeps no write path into them
  {
    type: 'AWS::IAM::Role',
    logicalId: /^ModelPublisherRole[0-9A-F]{8}$/,
    adr: 'docs/adr/0021-no-model-publisher-from-stage-3.md',
  },
  {
    type: 'AWS::IAM::ManagedPolicy',
    logicalId: /^ModelPublisherRolePolicy[0-9A-F]{8}$/,
    adr: 'docs/adr/0021-no-model-publisher-from-stage-3.md',
  },
];

/**
 * What replaces or removes a resource when a stack moves from `before` to `after`: a missing logical id, a
 * changed type, or a changed create-only property. An empty list means the upgrade only adds or updates.
 * `allowed` removals (by default the {@link DOCUMENTED_REMOVALS}) are not reported.
 */
export function replacementsBetween(
  before: CloudFormationTemplate,
  after: CloudFormationTemplate,
  allowed: readonly DocumentedRemoval[] = DOCUMENTED_REMOVALS,
): string[] {
  const problems: string[] = [];
  for (const [logicalId, resource] of Object.entries(before.Resources)) {
    if (resource.Type === 'AWS::CDK::Metadata') continue;
    const next = after.Resources[logicalId];
    if (!next) {
      const documented = allowed.some((r) => r.type === resource.Type && r.logicalId.test(logicalId));
      if (!documented) problems.push(`${logicalId} (${resource.Type}) is removed`);
      continue;
    }
    if (next.Type !== resource.Type) {
      problems.push(`${logicalId} changes type from ${resource.Type} to ${next.Type}`);
      continue;
    }
    const createOnly = CREATE_ONLY.types[resource.Type];
    if (createOnly === undefined) {
      problems.push(`${resource.Type} is not in create-only-properties.json: run scripts/create-only-properties.py`);
      continue;
    }
    for (const property of createOnly) {
      const was = JSON.stringify(valueAt(resource.Properties, property));
      const is = JSON.stringify(valueAt(next.Properties, property));
      if (was !== is) problems.push(`${logicalId} (${resource.Type}) changes create-only ${property}: ${was} -> ${is}`);
    }
  }
  return problems;
}
