import { Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The one way the construct library words a props error (DESIGN.md section 6, item 4). A construct checks its
 * props early, collects every problem, and throws once:
 *
 * ```text
 * invalid platform function 'Functions/Bad':
 * - timeout must be between 1 second and 15 minutes, got 16 minutes
 * - memorySize must be a whole number of MB from 128 to 10240, got 64
 * ```
 *
 * Each problem is a lowercase clause that names the prop by its path and quotes the bad value with {@link quoted}.
 * A value that is a token resolves at deploy time, so it is checked only when {@link known}.
 */

/** True when `value` is set and known at synth (not a token), so a check can judge it. */
export function known<T extends string | number>(value: T | undefined): value is T {
  return value !== undefined && !Token.isUnresolved(value);
}

/** A bad value as a problem quotes it: a string in single quotes, anything else as it prints. */
export function quoted(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/**
 * The error a construct throws for `problems`, naming the construct kind (lowercase) and its path. `construct` is
 * the construct itself, or its `[scope, id]` when it validates before `super()` has made it.
 */
export function invalidPropsError(
  construct: IConstruct | readonly [IConstruct, string],
  kind: string,
  problems: readonly string[],
): Error {
  return new Error(`invalid ${kind} '${pathOf(construct)}':\n- ${problems.join('\n- ')}`);
}

/** Throws {@link invalidPropsError} when there are problems; does nothing when there are none. */
export function throwIfInvalid(
  construct: IConstruct | readonly [IConstruct, string],
  kind: string,
  problems: readonly string[],
): void {
  if (problems.length > 0) throw invalidPropsError(construct, kind, problems);
}

function pathOf(construct: IConstruct | readonly [IConstruct, string]): string {
  if (!Array.isArray(construct)) return (construct as IConstruct).node.path;
  const [scope, id] = construct as readonly [IConstruct, string];
  return scope.node.path === '' ? id : `${scope.node.path}/${id}`;
}
