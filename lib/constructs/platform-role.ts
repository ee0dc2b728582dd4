import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { type SourceBinding, withSourceConditions } from './principals';

export interface PlatformRoleProps extends iam.RoleProps {
  /**
   * How the trust of a service principal is bound to its source (`aws:SourceAccount`, `aws:SourceArn`), for a
   * role that serves a feature of the service which does not send those keys.
   * @default - the service's binding in SOURCE_POLICIES (lib/constructs/principals.ts)
   */
  readonly sourceBinding?: SourceBinding;
}

interface Justification {
  /** The wildcard findings this justification covers, computed once the app is resolved. */
  readonly findings: () => string[];
  readonly reason: string;
}

interface StatementJson {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
}

/** The wildcard findings of policy statements, spelled as cdk-nag's AwsSolutions-IAM5 spells them. */
export function wildcardFindings(statements: readonly StatementJson[]): string[] {
  const findings = new Set<string>();
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of [statement.Action ?? []].flat()) {
      if (action.includes('*')) findings.add(`Action::${action}`);
    }
    for (const resource of [statement.Resource ?? []].flat().map(flattenCfnReference)) {
      if (resource.includes('*')) findings.add(`Resource::${resource}`);
    }
  }
  return [...findings];
}

/**
 * An IAM role whose permissions, grants included, all land in one customer-managed policy instead of an
 * inline one, so they can be reviewed and reused (NIST 800-53 AC-6). A wildcard is only accepted when it is
 * justified through {@link addWildcardStatement}, {@link justifyGrant} or {@link justifyActions}; each such
 * wildcard is then acknowledged as one cdk-nag finding with its reason.
 */
export class PlatformRole extends iam.Role {
  /** The customer-managed policy that holds every statement of this role not granted through {@link withPolicy}. */
  readonly policy: iam.ManagedPolicy;
  private readonly policies: iam.ManagedPolicy[] = [];
  private readonly justifications: Justification[] = [];

  constructor(scope: Construct, id: string, props: PlatformRoleProps) {
    // every service trust of the platform is bound to its own account (and resources) in one place
    const { sourceBinding, ...roleProps } = props;
    super(scope, id, { ...roleProps, assumedBy: withSourceConditions(scope, props.assumedBy, sourceBinding) });
    this.policy = new iam.ManagedPolicy(this, 'Policy', { roles: [this], description: props.description });
    this.policies.push(this.policy);
    // Cross-stack references are only final after the app is prepared, and the finding ids contain them,
    // so the acknowledgements are made in the validation phase, before the rule packs run.
    this.node.addValidation({ validate: () => this.acknowledgeJustifiedWildcards() });
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }

  /**
   * A grantee whose grants land in another customer-managed policy of this role, named `id`: one policy holds
   * at most 6,144 characters, so a role with many grants (such as a pipeline that also reads a feature store)
   * keeps a group of them apart. {@link justifyGrant} works on its grants too.
   */
  withPolicy(id: string, description: string): iam.IGrantable {
    const policy = new iam.ManagedPolicy(this, id, { roles: [this], description });
    this.policies.push(policy);
    return { grantPrincipal: new ManagedPolicyPrincipal(this, policy) };
  }

  /** Adds a statement whose wildcards are intended; each wildcard in it is acknowledged with the reason. */
  addWildcardStatement(statement: iam.PolicyStatement, reason: string): void {
    this.addToPrincipalPolicy(statement);
    this.justifications.push({ findings: () => this.findingsOf([statement]), reason });
  }

  /** Acknowledges the wildcards of a grant (such as the `/*` of a bucket grant) with the reason. */
  justifyGrant(grant: iam.Grant, reason: string): iam.Grant {
    this.justifications.push({ findings: () => this.findingsOf(grant.principalStatements), reason });
    return grant;
  }

  /** Acknowledges wildcard actions that grants add on their own, such as `kms:GenerateDataKey*` of a key grant. */
  justifyActions(actions: readonly string[], reason: string): void {
    this.justifications.push({ findings: () => actions.map((a) => `Action::${a}`), reason });
  }

  private findingsOf(statements: readonly iam.PolicyStatement[]): string[] {
    const stack = Stack.of(this);
    return wildcardFindings(statements.map((s) => stack.resolve(s.toStatementJson())));
  }

  private acknowledgeJustifiedWildcards(): string[] {
    const stack = Stack.of(this);
    // resolved once, not once per policy: resolving the statements is most of this validation's time
    const justified = this.justifications.map(({ findings, reason }) => ({ findings: findings(), reason }));
    for (const policy of this.policies) {
      const present = new Set(wildcardFindings(stack.resolve(policy.document.toJSON())?.Statement ?? []));
      // several statements may share a finding (for example `Resource::*`): its reason names every one of them
      const reasons = new Map<string, string[]>();
      for (const { findings, reason } of justified) {
        for (const finding of findings) {
          if (!present.has(finding)) continue;
          const list = reasons.get(finding) ?? [];
          if (!list.includes(reason)) list.push(reason);
          reasons.set(finding, list);
        }
      }
      for (const [finding, list] of reasons) {
        acknowledge(policy, `AwsSolutions-IAM5[${finding}]`, list.join('; '));
      }
    }
    return [];
  }
}

/** The role as a grant principal whose statements go to one of its managed policies. */
class ManagedPolicyPrincipal extends iam.PrincipalBase {
  override readonly principalAccount: string | undefined;

  constructor(
    private readonly role: iam.Role,
    private readonly managedPolicy: iam.ManagedPolicy,
  ) {
    super();
    this.principalAccount = role.principalAccount;
  }

  get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  dedupeString(): string | undefined {
    return undefined;
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.managedPolicy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.managedPolicy };
  }

  override toString(): string {
    return `${this.role.node.path} (${this.managedPolicy.node.id})`;
  }
}
