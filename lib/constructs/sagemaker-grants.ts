import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { PlatformRole } from './platform-role';

/**
 * The permissions every SageMaker workload role needs (jobs, endpoints, Studio apps), written once so each
 * role states them the same way with the same reasons.
 */

/** Lets SageMaker place the role's jobs or endpoints in a VPC: describe the network, manage ENIs in that VPC only. */
export function grantSageMakerVpcAccess(role: PlatformRole, vpc: ec2.IVpc): void {
  const stack = Stack.of(role);
  role.addWildcardStatement(
    new iam.PolicyStatement({
      sid: 'DescribeTheVpc',
      actions: [
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeVpcs',
        'ec2:DescribeDhcpOptions',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
      ],
      resources: ['*'],
    }),
    'EC2 Describe actions have no resource-level permissions; SageMaker needs them to place workloads in the VPC',
  );
  role.addWildcardStatement(
    new iam.PolicyStatement({
      sid: 'AttachToTheVpc',
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:CreateNetworkInterfacePermission',
        'ec2:DeleteNetworkInterface',
        'ec2:DeleteNetworkInterfacePermission',
      ],
      resources: ['*'],
      conditions: {
        ArnEquals: { 'ec2:Vpc': stack.formatArn({ service: 'ec2', resource: 'vpc', resourceName: vpc.vpcId }) },
      },
    }),
    'network interfaces get generated ids; the ec2:Vpc condition keeps them in the platform VPC',
  );
}

/** Lets SageMaker pull the inference or training image that a model package names. */
export function grantImagePull(role: PlatformRole): void {
  const stack = Stack.of(role);
  role.addWildcardStatement(
    new iam.PolicyStatement({ sid: 'AuthenticateToEcr', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    'ecr:GetAuthorizationToken has no resource-level permissions',
  );
  role.addWildcardStatement(
    new iam.PolicyStatement({
      sid: 'PullTheImage',
      actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      resources: [stack.formatArn({ service: 'ecr', account: '*', resource: 'repository', resourceName: '*' })],
    }),
    'a model package names its image, which may live in any repository of this region, including SageMaker-owned ones; pull actions only',
  );
}

/**
 * Lets SageMaker write the workload's logs and metrics.
 * @param logGroupName the log group (or a `*` pattern), such as `/aws/sagemaker/Endpoints/my-endpoint`
 * @param metricsNamespace the CloudWatch namespace (or a `*` pattern), such as `/aws/sagemaker/Endpoints`
 */
export function grantSageMakerLogsAndMetrics(role: PlatformRole, logGroupName: string, metricsNamespace: string): void {
  const stack = Stack.of(role);
  role.addWildcardStatement(
    new iam.PolicyStatement({
      sid: 'WriteLogs',
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
      // the group itself (to create it) and everything in it (its streams)
      resources: [logGroupName, `${logGroupName}:*`].map((resourceName) =>
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ),
    }),
    'SageMaker names log streams per job, endpoint instance or app inside the workload log group',
  );
  role.addWildcardStatement(
    new iam.PolicyStatement({
      sid: 'PublishMetrics',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': metricsNamespace } },
    }),
    'PutMetricData has no resource-level permissions; the namespace condition limits it to SageMaker metrics',
  );
}

/**
 * Lets the role's jobs encrypt and decrypt with `key`, and lets SageMaker create the grants it uses to attach the
 * key to the job's volumes (only grants for AWS resources).
 */
export function grantSageMakerJobKey(role: PlatformRole, key: kms.IKey): void {
  key.grantEncryptDecrypt(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:CreateGrant', 'kms:DescribeKey'],
      resources: [key.keyArn],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
  );
}

/**
 * The wildcard actions that CDK's bucket and key grants add on their own (read, write, multipart and data-key
 * variants); a job role that takes such grants justifies them with {@link PlatformRole.justifyActions}.
 */
export const BUCKET_AND_KEY_GRANT_ACTIONS: readonly string[] = [
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
  's3:GetObject*',
  's3:GetBucket*',
  's3:List*',
  's3:DeleteObject*',
  's3:Abort*',
];
