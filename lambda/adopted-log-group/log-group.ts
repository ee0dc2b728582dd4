/**
 * The pure part of the `Custom::AdoptedLogGroup` resources: what a request asks for, and what a Delete may undo.
 * A log group that a service creates at run time (SageMaker's) may exist before the stack that declares it; the
 * resource adopts it instead of failing with "already exists" (ADR 0022).
 */

export const RESOURCE_TYPE = 'Custom::AdoptedLogGroup';

/** The resource properties, as the construct writes them. */
export const LOG_GROUP_NAME_PROPERTY = 'LogGroupName';
export const KMS_KEY_ARN_PROPERTY = 'KmsKeyArn';
export const RETENTION_PROPERTY = 'RetentionInDays';

/** The retentions CloudWatch Logs accepts (PutRetentionPolicy), in days. */
export const RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** What the resource declares: the group, the key it is encrypted with and how long it keeps events. */
export interface DesiredLogGroup {
  readonly logGroupName: string;
  readonly kmsKeyArn: string;
  readonly retentionInDays: number;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

// CloudWatch Logs' own pattern for a log group name
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * Reads the resource properties; never throws. CloudFormation passes every property as a string, so the
 * retention arrives as text.
 */
export function parseProperties(properties: Readonly<Record<string, unknown>>): Parsed<DesiredLogGroup> {
  const problems: string[] = [];
  const name = properties[LOG_GROUP_NAME_PROPERTY];
  if (typeof name !== 'string' || !LOG_GROUP_NAME.test(name)) {
    problems.push(`${LOG_GROUP_NAME_PROPERTY} must be a log group name, got ${quote(name)}`);
  }
  const key = properties[KMS_KEY_ARN_PROPERTY];
  if (typeof key !== 'string' || !KMS_KEY_ARN.test(key)) {
    problems.push(`${KMS_KEY_ARN_PROPERTY} must be the ARN of a KMS key, got ${quote(key)}`);
  }
  const retention = properties[RETENTION_PROPERTY];
  const days = typeof retention === 'string' && /^\d+$/.test(retention) ? Number(retention) : retention;
  if (typeof days !== 'number' || !RETENTION_DAYS.includes(days)) {
    problems.push(`${RETENTION_PROPERTY} must be one of ${RETENTION_DAYS.join(', ')} days, got ${quote(retention)}`);
  }
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return {
    ok: true,
    value: { logGroupName: name as string, kmsKeyArn: key as string, retentionInDays: days as number },
  };
}

/** A log group as DescribeLogGroups lists it. */
export interface ListedLogGroup {
  readonly logGroupName?: string;
  readonly kmsKeyId?: string;
}

/**
 * The group named exactly `name` among those DescribeLogGroups listed for the prefix `name`. The list is sorted by
 * name, so the group itself, being the shortest name with that prefix, is on the first page when it exists.
 */
export function findLogGroup(listed: readonly ListedLogGroup[] | undefined, name: string): ListedLogGroup | undefined {
  return listed?.find((group) => group.logGroupName === name);
}

/**
 * Whether a Delete takes the key off the group: only while the group is still encrypted with the key this resource
 * put on it. The group itself is never deleted (its events may be evidence), but it must outlive the key: once a
 * key of a deleted environment is gone, CloudWatch Logs could no longer write the group, which other environments
 * of the account may share. A group that another owner has since taken over keeps that owner's key.
 */
export function releasesKey(current: ListedLogGroup | undefined, desired: DesiredLogGroup): boolean {
  return current?.kmsKeyId === desired.kmsKeyArn;
}

/** CreateLogGroup's answer for a group that exists: the group is adopted. */
export function isAlreadyExists(error: unknown): boolean {
  return errorName(error) === 'ResourceAlreadyExistsException';
}

/** The group is gone: a Delete has nothing left to do. */
export function isNotFound(error: unknown): boolean {
  return errorName(error) === 'ResourceNotFoundException';
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

/** A value as a reason quotes it: JSON, at most 80 characters. */
export function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
