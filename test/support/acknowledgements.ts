import { Validations } from 'aws-cdk-lib';
import { NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** One acknowledgement: the construct it sits on, the finding it names and its reason. */
export interface Acknowledgement {
  readonly path: string;
  readonly scope: IConstruct;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgement under `root`, in the order of the construct tree. */
export function acknowledgementsOf(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((scope) =>
    scope.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: scope.node.path,
          scope,
          id: id.replace(/^[A-Za-z]+::/, ''),
          reason,
        })),
      ),
  );
}

/** The rule ids of the cdk-nag packs the platform runs (lib/compliance/nag-packs.ts). */
const NAG_RULE = /^(AwsSolutions|NIST\.800\.53\.R5|Serverless)-/;

/** `path|id` of each acknowledgement that suppressed a finding, per construct tree (its root). */
const used = new WeakMap<IConstruct, Set<string>>();
let installed = false;

/**
 * From now on, records which acknowledgement each cdk-nag finding was suppressed by. cdk-nag 3 asks
 * `isAcknowledged(resource, ruleId)` for every non-compliant finding, walking from the resource up to the root;
 * the first construct on that walk holding the rule id is the acknowledgement that suppressed it. The walk is
 * cdk-nag's own (nag-pack.js), repeated here; the original answer is kept, so the packs behave as before.
 */
export function trackAcknowledgements(): void {
  if (installed) return;
  installed = true;
  const prototype = NagPack.prototype as unknown as {
    isAcknowledged(resource: IConstruct, ruleId: string): boolean;
  };
  const original = prototype.isAcknowledged;
  prototype.isAcknowledged = function (this: NagPack, resource: IConstruct, ruleId: string): boolean {
    const answer = original.call(this, resource, ruleId);
    for (let current: IConstruct | undefined = resource; answer && current; current = current.node.scope) {
      const holds = current.node.metadata.some(
        (m) =>
          m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY &&
          Object.keys((m.data ?? {}) as Record<string, string>).some((k) => k.replace(/^annotation::/i, '') === ruleId),
      );
      if (!holds) continue;
      const root = resource.node.root;
      const set = used.get(root) ?? new Set<string>();
      set.add(`${current.node.path}|${ruleId}`);
      used.set(root, set);
      break;
    }
    return answer;
  };
}

/**
 * The cdk-nag acknowledgements under `root` that suppressed no finding when its app was synthesized. Only
 * meaningful for an app synthesized after {@link trackAcknowledgements}.
 */
export function deadAcknowledgements(root: IConstruct): Acknowledgement[] {
  if (!installed) throw new Error('call trackAcknowledgements() before the app is synthesized');
  const suppressed = used.get(root) ?? new Set<string>();
  return acknowledgementsOf(root).filter((a) => NAG_RULE.test(a.id) && !suppressed.has(`${a.path}|${a.id}`));
}
