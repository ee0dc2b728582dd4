import { ArnFormat, Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** EventBridge Scheduler, only for schedules of the default group of this account (no confused deputy). */
export function schedulerPrincipal(scope: IConstruct): iam.IPrincipal {
  return new iam.ServicePrincipal('scheduler.amazonaws.com', {
    conditions: {
      StringEquals: {
        'aws:SourceAccount': Aws.ACCOUNT_ID,
        'aws:SourceArn': Stack.of(scope).formatArn({
          service: 'scheduler',
          resource: 'schedule-group',
          resourceName: 'default',
        }),
      },
    },
  });
}

/**
 * How a service's trust is bound to its source (the confused-deputy keys `aws:SourceAccount` and `aws:SourceArn`):
 * `required` where the service documents that it sends the keys when it assumes a role, `ifPresent` where it does
 * not (the condition then holds whenever the key is sent, and never refuses an assumption that lacks it).
 * ADR 0026 says, per service, why.
 */
export type SourceBinding = 'required' | 'ifPresent';

interface SourcePolicy {
  readonly binding: SourceBinding;
  /** The ARN pattern the source must match, or undefined where the service's `aws:SourceArn` format is not documented. */
  readonly sourceArn?: (stack: Stack) => string;
}

/** The services whose trusts {@link withSourceConditions} binds, and how. */
export const SOURCE_POLICIES: Readonly<Record<string, SourcePolicy>> = {
  // SageMaker's confused-deputy guide binds training, processing, pipelines, inference, batch transform and Studio
  // with both keys, the source ARN being any SageMaker resource of the account and region.
  'sagemaker.amazonaws.com': {
    binding: 'required',
    sourceArn: (stack) => stack.formatArn({ service: 'sagemaker', resource: '*' }),
  },
  // Lambda's execution-role guide names neither key; when sent, the source is a function of the account and region.
  'lambda.amazonaws.com': {
    binding: 'ifPresent',
    sourceArn: (stack) =>
      stack.formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
  },
  // API Gateway documents neither key for an integration's credentials, nor the format of its source ARN.
  'apigateway.amazonaws.com': { binding: 'ifPresent' },
};

/**
 * The principal with `aws:SourceAccount` (the stack's account) and, where the format is known, `aws:SourceArn` (the
 * service's resources in the stack's account and region) added for the services of {@link SOURCE_POLICIES}; any other
 * principal, and a key the principal already conditions, are left as they are. `binding` overrides the service's
 * binding, for a role that serves a feature of the service which does not send the keys (for example SageMaker's
 * MLflow tracking servers and feature groups).
 */
export function withSourceConditions(
  scope: IConstruct,
  principal: iam.IPrincipal,
  binding?: SourceBinding,
): iam.IPrincipal {
  if (!(principal instanceof iam.ServicePrincipal)) return principal;
  const present = new Set(Object.values(principal.policyFragment.conditions).flatMap((c) => Object.keys(c ?? {})));
  const conditions = sourceConditions(scope, principal.service, binding, present);
  return Object.keys(conditions).length === 0 ? principal : principal.withConditions(conditions);
}

/**
 * The source conditions {@link withSourceConditions} adds for `service` (none for a service outside
 * {@link SOURCE_POLICIES}), leaving out the keys in `present`: also for a trust policy written by hand, such as the
 * role of a CDK-internal custom resource provider.
 */
export function sourceConditions(
  scope: IConstruct,
  service: string,
  binding?: SourceBinding,
  present: ReadonlySet<string> = new Set(),
): Record<string, Record<string, string>> {
  const policy = SOURCE_POLICIES[service];
  if (!policy) return {};
  const stack = Stack.of(scope);
  const ifPresent = (binding ?? policy.binding) === 'ifPresent' ? 'IfExists' : '';
  const conditions: Record<string, Record<string, string>> = {};
  if (!present.has('aws:SourceAccount')) {
    conditions[`StringEquals${ifPresent}`] = { 'aws:SourceAccount': stack.account };
  }
  if (policy.sourceArn && !present.has('aws:SourceArn')) {
    conditions[`ArnLike${ifPresent}`] = { 'aws:SourceArn': policy.sourceArn(stack) };
  }
  return conditions;
}
