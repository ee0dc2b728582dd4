/**
 * The reviewed table behind `npm run bootstrap-policy`: for each CloudFormation resource type the platform
 * synthesizes, what CloudFormation's execution role must be allowed so that it can create, update and delete it.
 *
 * Reviewed against the `handlers.*.permissions` of the types' schemas in the CloudFormation registry (the
 * aws-cloudformation-resource-providers-* repositories; cfn-lint's copies leave them out) and, for the older types
 * that have no such schema, the services' IAM guides. A type missing here stops the command with its name, so a
 * new type never reaches the policy unreviewed: add it with its actions.
 *
 * A service's actions are written `<service>:*` where the policy scopes them to the account and region (see
 * SERVICE_SCOPES). IAM roles and policies, KMS keys and aliases and the custom resources' functions are not listed
 * as actions: an entry marks them (projectIam, kms, customResource), and policy.ts scopes them to the project.
 */

/** What one resource type needs. */
export interface ResourcePermissions {
  /** Actions of services other than IAM and KMS, scoped by policy.ts to the account and region. */
  readonly actions?: readonly string[];
  /** Service principals the type hands a project role to (`iam:PassRole` with `iam:PassedToService`). */
  readonly passRoleTo?: readonly string[];
  /** Services whose service-linked role the first resource of the type creates (`iam:CreateServiceLinkedRole`). */
  readonly serviceLinkedRoles?: readonly string[];
  /** The project IAM names the type creates or changes: roles (`<project>-*`) or managed policies. */
  readonly projectIam?: 'roles' | 'policies';
  /** A KMS key or alias: the policy scopes it to the project's tag or alias prefix. */
  readonly kms?: 'key' | 'alias';
  /** A custom resource: CloudFormation invokes the function of its ServiceToken, a project function. */
  readonly customResource?: true;
}

const SAGEMAKER = 'sagemaker.amazonaws.com';

/** A SageMaker type that runs under a role the template passes (RoleArn, ExecutionRole, ...). */
const sagemakerWithRole: ResourcePermissions = { actions: ['sagemaker:*'], passRoleTo: [SAGEMAKER] };

const apiGateway: ResourcePermissions = { actions: ['apigateway:*'] };
const ec2: ResourcePermissions = { actions: ['ec2:*'] };
const customResource: ResourcePermissions = { customResource: true };

/** Resource type -> what CloudFormation needs for it. Keep it sorted; every entry is a reviewed claim. */
export const RESOURCE_PERMISSIONS: Readonly<Record<string, ResourcePermissions>> = {
  'AWS::ApiGateway::Deployment': apiGateway,
  // the integration's Credentials: the role API Gateway calls SageMaker Runtime with
  'AWS::ApiGateway::Method': { actions: ['apigateway:*'], passRoleTo: ['apigateway.amazonaws.com'] },
  'AWS::ApiGateway::RequestValidator': apiGateway,
  'AWS::ApiGateway::Resource': apiGateway,
  'AWS::ApiGateway::RestApi': apiGateway,
  'AWS::ApiGateway::Stage': apiGateway,
  // the platform scales SageMaker endpoints only: their service-linked role, and the endpoint calls that
  // Application Auto Scaling makes with the caller's permissions when it registers the target
  'AWS::ApplicationAutoScaling::ScalableTarget': {
    actions: [
      'application-autoscaling:*',
      'sagemaker:DescribeEndpoint',
      'sagemaker:DescribeEndpointConfig',
      'sagemaker:UpdateEndpointWeightsAndCapacities',
    ],
    serviceLinkedRoles: ['sagemaker.application-autoscaling.amazonaws.com'],
  },
  // target tracking creates and deletes its own CloudWatch alarms
  'AWS::ApplicationAutoScaling::ScalingPolicy': {
    actions: [
      'application-autoscaling:*',
      'cloudwatch:DeleteAlarms',
      'cloudwatch:DescribeAlarms',
      'cloudwatch:PutMetricAlarm',
    ],
  },
  // the schema's handlers check the query result location
  'AWS::Athena::WorkGroup': {
    actions: ['athena:*', 's3:GetBucketLocation', 's3:GetObject', 's3:ListBucket', 's3:PutObject'],
  },
  // a model's cost budget (stage 5); its ResourceTags are written with budgets:TagResource
  'AWS::Budgets::Budget': { actions: ['budgets:*'] },
  // CloudFormation records it itself
  'AWS::CDK::Metadata': {},
  'AWS::Chatbot::MicrosoftTeamsChannelConfiguration': {
    actions: ['chatbot:*'],
    passRoleTo: ['chatbot.amazonaws.com'],
    serviceLinkedRoles: ['management.chatbot.amazonaws.com'],
  },
  'AWS::Chatbot::SlackChannelConfiguration': {
    actions: ['chatbot:*'],
    passRoleTo: ['chatbot.amazonaws.com'],
    serviceLinkedRoles: ['management.chatbot.amazonaws.com'],
  },
  'AWS::CloudFormation::CustomResource': customResource,
  'AWS::CloudWatch::Alarm': { actions: ['cloudwatch:*'] },
  'AWS::CloudWatch::Dashboard': { actions: ['cloudwatch:*'] },
  'AWS::CodeBuild::Project': { actions: ['codebuild:*'], passRoleTo: ['codebuild.amazonaws.com'] },
  // a source action on a CodeConnections connection needs PassConnection (both prefixes name the same service)
  'AWS::CodePipeline::Pipeline': {
    actions: ['codepipeline:*', 'codeconnections:PassConnection', 'codestar-connections:PassConnection'],
    passRoleTo: ['codepipeline.amazonaws.com'],
  },
  'AWS::CodeStarNotifications::NotificationRule': {
    actions: ['codestar-notifications:*'],
    serviceLinkedRoles: ['codestar-notifications.amazonaws.com'],
  },
  'AWS::DynamoDB::Table': { actions: ['dynamodb:*'] },
  // flow logs into CloudWatch Logs, through the role they are given
  'AWS::EC2::FlowLog': {
    actions: ['ec2:*', 'logs:CreateLogDelivery', 'logs:DeleteLogDelivery'],
    passRoleTo: ['vpc-flow-logs.amazonaws.com'],
  },
  'AWS::EC2::RouteTable': ec2,
  'AWS::EC2::SecurityGroup': ec2,
  'AWS::EC2::SecurityGroupEgress': ec2,
  'AWS::EC2::SecurityGroupIngress': ec2,
  'AWS::EC2::Subnet': ec2,
  'AWS::EC2::SubnetRouteTableAssociation': ec2,
  'AWS::EC2::VPC': ec2,
  // an interface endpoint with private DNS associates the VPC with the service's private hosted zone
  'AWS::EC2::VPCEndpoint': { actions: ['ec2:*', 'route53:AssociateVPCWithHostedZone'] },
  'AWS::ECR::Repository': { actions: ['ecr:*'] },
  // targets such as a SageMaker pipeline or a CodePipeline are started through a role
  'AWS::Events::Rule': { actions: ['events:*'], passRoleTo: ['events.amazonaws.com'] },
  'AWS::Glue::Database': { actions: ['glue:*'] },
  // an Iceberg table: Glue writes its first metadata file to the table's location
  'AWS::Glue::Table': { actions: ['glue:*', 's3:GetObject', 's3:ListBucket', 's3:PutObject'] },
  'AWS::IAM::ManagedPolicy': { projectIam: 'policies' },
  'AWS::IAM::Policy': { projectIam: 'roles' },
  'AWS::IAM::Role': { projectIam: 'roles' },
  'AWS::KMS::Alias': { actions: ['kms:ListAliases'], kms: 'alias' },
  'AWS::KMS::Key': { actions: ['kms:ListKeys'], kms: 'key' },
  'AWS::Lambda::EventInvokeConfig': { actions: ['lambda:*'] },
  // Lambda reads the code from the bootstrap bucket and checks a VPC configuration with the caller's permissions
  'AWS::Lambda::Function': {
    actions: [
      'lambda:*',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeSubnets',
      'ec2:DescribeVpcs',
      's3:GetObject',
      's3:GetObjectVersion',
    ],
    passRoleTo: ['lambda.amazonaws.com'],
  },
  'AWS::Lambda::Permission': { actions: ['lambda:*'] },
  'AWS::Logs::LogGroup': { actions: ['logs:*'] },
  'AWS::S3::Bucket': { actions: ['s3:*'] },
  'AWS::S3::BucketPolicy': { actions: ['s3:*'] },
  'AWS::SNS::Subscription': { actions: ['sns:*'] },
  'AWS::SNS::Topic': { actions: ['sns:*'] },
  'AWS::SNS::TopicPolicy': { actions: ['sns:*'] },
  'AWS::SQS::Queue': { actions: ['sqs:*'] },
  'AWS::SQS::QueuePolicy': { actions: ['sqs:*'] },
  'AWS::SSM::Parameter': { actions: ['ssm:*'] },
  'AWS::SageMaker::DataQualityJobDefinition': sagemakerWithRole,
  // the schema's create handler: the Studio service-linked role and the home EFS volume
  'AWS::SageMaker::Domain': {
    actions: ['sagemaker:*', 'elasticfilesystem:CreateFileSystem'],
    passRoleTo: [SAGEMAKER],
    serviceLinkedRoles: [SAGEMAKER],
  },
  'AWS::SageMaker::Endpoint': { actions: ['sagemaker:*'] },
  'AWS::SageMaker::EndpointConfig': { actions: ['sagemaker:*'] },
  // the offline store's Glue table, unless the platform declares it (it does, as AWS::Glue::Table)
  'AWS::SageMaker::FeatureGroup': {
    actions: ['sagemaker:*', 'glue:CreateDatabase', 'glue:CreateTable', 'glue:GetDatabase', 'glue:GetTable'],
    passRoleTo: [SAGEMAKER],
  },
  'AWS::SageMaker::MlflowTrackingServer': sagemakerWithRole,
  'AWS::SageMaker::Model': sagemakerWithRole,
  'AWS::SageMaker::ModelBiasJobDefinition': sagemakerWithRole,
  'AWS::SageMaker::ModelExplainabilityJobDefinition': sagemakerWithRole,
  'AWS::SageMaker::ModelPackageGroup': { actions: ['sagemaker:*'] },
  'AWS::SageMaker::ModelQualityJobDefinition': sagemakerWithRole,
  'AWS::SageMaker::MonitoringSchedule': sagemakerWithRole,
  'AWS::SageMaker::Pipeline': { actions: ['sagemaker:*', 's3:GetObject'], passRoleTo: [SAGEMAKER] },
  'AWS::SageMaker::UserProfile': sagemakerWithRole,
  'AWS::Scheduler::Schedule': { actions: ['scheduler:*'], passRoleTo: ['scheduler.amazonaws.com'] },
  // logging to CloudWatch Logs goes through a vended log delivery
  'AWS::StepFunctions::StateMachine': {
    actions: [
      'states:*',
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
    ],
    passRoleTo: ['states.amazonaws.com'],
  },
  'Custom::AdoptedLogGroup': customResource,
  'Custom::ModelPackageBaselines': customResource,
  // CDK's own provider behind restrictDefaultSecurityGroup
  'Custom::VpcRestrictDefaultSG': customResource,
};

/**
 * How the policy scopes a service's actions, for the services that cannot take the default (the account through
 * `aws:ResourceAccount` where the request names a resource, and the region through `aws:RequestedRegion`).
 */
export const SERVICE_SCOPES: Readonly<Record<string, ServiceScope>> = {
  // EC2 requests also name AWS-owned resources (the S3 prefix list, the endpoint services), whose account is AWS's
  ec2: 'region',
  // global APIs: a request names no region of the stack
  chatbot: 'account',
  // checked for the private hosted zone of an interface endpoint, which AWS owns; it only adds a VPC to that zone
  route53: 'none',
};

/** `account-and-region` unless SERVICE_SCOPES says otherwise. */
export type ServiceScope = 'account-and-region' | 'region' | 'account' | 'none';
