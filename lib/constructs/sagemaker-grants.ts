import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';
import type { PlatformRole } from './platform-role';
import { quoted, throwIfInvalid } from './validation';

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

/** An ECR image URI: `<account>.dkr.ecr.<region>.<domain>/<repository>` with an optional tag or digest. */
const IMAGE_URI =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+?)(?::[\w.-]+|@sha256:[0-9a-f]{64})?$/;
/** An ECR repository ARN with a 12-digit account and no wildcard. */
const REPOSITORY_ARN = /^arn:[a-z-]+:ecr:[a-z0-9-]+:\d{12}:repository\/[a-z0-9._/-]+$/;

/**
 * The ARN of the ECR repository an image URI points into, for {@link grantImagePull}; undefined when `imageUri` is
 * not an ECR image URI known at synth.
 */
export function imageRepositoryArn(scope: IConstruct, imageUri: string): string | undefined {
  if (Token.isUnresolved(imageUri)) return undefined;
  const match = IMAGE_URI.exec(imageUri);
  if (!match) return undefined;
  const [, account, region, repositoryName] = match as unknown as [string, string, string, string];
  return Stack.of(scope).formatArn({
    service: 'ecr',
    account,
    region,
    resource: 'repository',
    resourceName: repositoryName,
  });
}

/**
 * Lets SageMaker pull images from these repositories only: those of the images a workload runs, or (where a model
 * package names its image) the platform's own repositories and the AWS-owned ones of the built-in frameworks.
 * Never a wildcard account: an image from any other account would run with the role's data access.
 */
export function grantImagePull(role: PlatformRole, repositoryArns: readonly string[]): void {
  const problems = repositoryArns
    .filter((arn) => !Token.isUnresolved(arn) && !REPOSITORY_ARN.test(arn))
    .map((arn) => `repositoryArns must be ECR repository ARNs of one account, without wildcards, got ${quoted(arn)}`);
  if (repositoryArns.length === 0) problems.push('repositoryArns must name at least one ECR repository, got none');
  throwIfInvalid(role, 'image pull grant', problems);
  role.addWildcardStatement(
    new iam.PolicyStatement({ sid: 'AuthenticateToEcr', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    'ecr:GetAuthorizationToken has no resource-level permissions',
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'PullTheImage',
      actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
      resources: [...new Set(repositoryArns)],
    }),
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
 * Lets the jobs of the grantee (a role, or one policy of it) encrypt and decrypt with `key`, and lets SageMaker create
 * the grants it uses to attach the key to the job's volumes (only grants for AWS resources).
 */
export function grantSageMakerJobKey(grantee: iam.IGrantable, key: kms.IKey): void {
  key.grantEncryptDecrypt(grantee);
  grantee.grantPrincipal.addToPrincipalPolicy(
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
