import { CfnDeletionPolicy, CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Resource types that hold data or identity: replacing one loses what it holds, so their logical ids are pinned. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::SageMaker::Domain',
  'AWS::SageMaker::UserProfile',
  'AWS::SageMaker::MlflowTrackingServer',
  'AWS::SageMaker::ModelPackageGroup',
  'AWS::SageMaker::FeatureGroup',
  'AWS::DynamoDB::Table',
  'AWS::EC2::VPC',
  'AWS::SSM::Parameter',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::ECR::Repository',
  'AWS::SageMaker::Pipeline',
]);

const KEPT = new Set<string>([
  CfnDeletionPolicy.RETAIN,
  CfnDeletionPolicy.SNAPSHOT,
  CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE,
]);

/**
 * Every stateful resource under `root` (a stateful type, or any resource CloudFormation keeps on deletion), as
 * construct path -> `logicalId type`, sorted by path.
 */
export function statefulLogicalIds(root: IConstruct): Record<string, string> {
  const found: Array<[string, string]> = [];
  for (const construct of root.node.findAll()) {
    if (!CfnResource.isCfnResource(construct)) continue;
    const kept = KEPT.has(construct.cfnOptions.deletionPolicy ?? '');
    if (!kept && !STATEFUL_TYPES.has(construct.cfnResourceType)) continue;
    const logicalId = Stack.of(construct).resolve(construct.logicalId) as string;
    found.push([construct.node.path, `${logicalId} ${construct.cfnResourceType}`]);
  }
  return Object.fromEntries(found.sort(([a], [b]) => a.localeCompare(b)));
}
