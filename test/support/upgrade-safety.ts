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

/**
 * What replaces or removes a resource when a stack moves from `before` to `after`: a missing logical id, a
 * changed type, or a changed create-only property. An empty list means the upgrade only adds or updates.
 */
export function replacementsBetween(before: CloudFormationTemplate, after: CloudFormationTemplate): string[] {
  const problems: string[] = [];
  for (const [logicalId, resource] of Object.entries(before.Resources)) {
    if (resource.Type === 'AWS::CDK::Metadata') continue;
    const next = after.Resources[logicalId];
    if (!next) {
      problems.push(`${logicalId} (${resource.Type}) is removed`);
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
