import * as iam from 'aws-cdk-lib/aws-iam';
import type { PlatformRole } from './platform-role';

/**
 * What a state machine's role needs to deliver its logs and traces. The state machine adds these itself for its
 * logging and tracing; they are stated again here so the `*` they need is acknowledged with its reason.
 */
export function grantStateMachineLogsAndTraces(role: PlatformRole): void {
  role.addWildcardStatement(
    new iam.PolicyStatement({
      actions: [
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
      ],
      resources: ['*'],
    }),
    'CloudWatch Logs vended log delivery and X-Ray tracing actions have no resource-level permissions',
  );
}
