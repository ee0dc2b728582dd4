import { modelPublisherRoleName } from '../../lib/naming';
import type { ApproveTarget } from './plan';

/**
 * Where a model package version came from, from the identity SageMaker recorded as having registered it. A version
 * registered through the model publisher role was published from dev (stage 2): whoever published it chose its
 * model metrics, so they are that person's claim, not evidence measured in this environment (ADR 0021).
 */

/** The role name inside an IAM role ARN or an STS assumed-role ARN; undefined for any other identity. */
export function roleNameOf(identityArn: string): string | undefined {
  const assumed = /^arn:[\w-]+:sts::\d{12}:assumed-role\/([\w+=,.@-]+)\/[^/]+$/.exec(identityArn);
  if (assumed) return assumed[1];
  const role = /^arn:[\w-]+:iam::\d{12}:role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/.exec(identityArn);
  return role?.[1];
}

/**
 * Whether the version was registered through the target environment's model publisher role: only then its
 * metrics are known to be someone's claim. The role lives in the environment's account, so the account must
 * match too.
 */
export function publishedFromDev(registeredBy: string | undefined, target: ApproveTarget): boolean {
  if (!registeredBy) return false;
  const account = /^arn:[\w-]+:(?:sts|iam)::(\d{12}):/.exec(registeredBy)?.[1];
  const publisher = modelPublisherRoleName(target.project, target.environment.name);
  return account === target.environment.account && roleNameOf(registeredBy) === publisher;
}

/** The lines the command prints about a published version, so nobody reads its metrics as evidence. */
export function publishedVersionNotice(registeredBy: string, target: ApproveTarget): string[] {
  return [
    `this version was published from dev through ${registeredBy}: its model metrics and baselines are what the publisher`,
    `  registered, not measured in ${target.environment.name}; do not take them as evidence of its quality (ADR 0021)`,
  ];
}
