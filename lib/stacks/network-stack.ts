import { CfnResource, type Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { SUBNET_PREFIX } from '../config/defaults';
import { PlatformRole } from '../constructs/platform-role';
import { sourceConditions } from '../constructs/principals';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

export interface NetworkStackProps extends PlatformStackProps {
  /** Key that encrypts the VPC flow logs. */
  readonly logsKey: kms.IKey;
  /**
   * The accounts whose buckets the S3 gateway endpoint lets workloads reach: the environment's own and, for dev,
   * the accounts it publishes models into.
   * @default - the environment's account only
   */
  readonly resourceAccounts?: readonly string[];
}

/**
 * Interface endpoints whose requests are not all signed by a principal: Studio's browser sessions reach the
 * Jupyter servers through them, authorized by the presigned URL, so a policy on the calling principal would cut
 * the users off. They keep the default policy; who may open a session is decided by CreatePresignedDomainUrl,
 * which goes through the SageMaker API endpoint and its policy.
 */
export const BROWSER_SESSION_ENDPOINTS: ReadonlySet<string> = new Set(['SageMakerStudio', 'SageMakerNotebook']);

/** Interface endpoints SageMaker Studio and jobs need in VpcOnly mode, with no route to the internet. */
const INTERFACE_ENDPOINTS: ReadonlyArray<[string, ec2.InterfaceVpcEndpointAwsService]> = [
  ['SageMakerApi', ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API],
  ['SageMakerRuntime', ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME],
  ['SageMakerStudio', ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_STUDIO],
  ['SageMakerNotebook', ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_NOTEBOOK],
  ['Sts', ec2.InterfaceVpcEndpointAwsService.STS],
  ['CloudWatchLogs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
  ['EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR],
  ['EcrDocker', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
];

/**
 * Interface endpoints of the feature store (stage 4), for the training pipeline's ingestion jobs and Studio:
 * PutRecord and GetRecord, and Athena queries of the offline stores. Athena reads Glue and S3 itself, and the
 * jobs download query results through the S3 gateway endpoint, so neither Glue nor KMS needs an endpoint.
 */
const FEATURE_STORE_ENDPOINTS: ReadonlyArray<[string, ec2.InterfaceVpcEndpointAwsService]> = [
  ['FeatureStoreRuntime', ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_FEATURESTORE_RUNTIME],
  ['Athena', ec2.InterfaceVpcEndpointAwsService.ATHENA],
];

/**
 * Interface endpoints of continuous deployment (stage 5): the champion/challenger gate job reads the approved
 * version from SSM and publishes its verdict to EventBridge from the isolated subnets (ADR 0023).
 */
const CONTINUOUS_DEPLOYMENT_ENDPOINTS: ReadonlyArray<[string, ec2.InterfaceVpcEndpointAwsService]> = [
  ['Ssm', ec2.InterfaceVpcEndpointAwsService.SSM],
  ['EventBridge', ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE],
];

/**
 * Interface endpoint of the platform's drift job (stage 5, `driftRetraining`): it publishes the drift metric
 * contract to CloudWatch itself; it reads the capture and writes its reports through the S3 gateway endpoint.
 */
const DRIFT_ENDPOINTS: ReadonlyArray<[string, ec2.InterfaceVpcEndpointAwsService]> = [
  ['CloudWatchMonitoring', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING],
];

/**
 * Stage 1 network: a VPC with private isolated subnets in at least two AZs and the VPC endpoints SageMaker
 * needs, or an existing VPC imported from ids in config. Nothing is looked up at synth.
 */
export class NetworkStack extends PlatformStack {
  readonly vpc: ec2.IVpc;
  /** Subnets that SageMaker domains, jobs and endpoints use. */
  readonly workloadSubnets: ec2.SubnetSelection;
  /** Security group of SageMaker workloads: Studio apps, jobs and endpoints talk to each other and to endpoints. */
  readonly workloadSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const network = this.envConfig.network;

    // The CIDR comes from config, not from the VPC token, so security-group rules stay checkable at synth.
    const vpcCidr = network.mode === 'import' ? network.vpcCidr : network.cidr;
    if (network.mode === 'import') {
      this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
        vpcId: network.vpcId,
        vpcCidrBlock: network.vpcCidr,
        availabilityZones: [...network.availabilityZones],
        isolatedSubnetIds: [...network.privateSubnetIds],
      });
      this.workloadSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    } else {
      const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
        encryptionKey: props.logsKey,
        retention: this.envConfig.settings.logRetentionDays as logs.RetentionDays,
        removalPolicy: this.statefulRemovalPolicy,
      });
      const flowLogsRole = new PlatformRole(this, 'FlowLogsRole', {
        assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
        description: 'VPC flow logs deliver to their log group',
      });
      const vpc = new ec2.Vpc(this, 'Vpc', {
        ipAddresses: ec2.IpAddresses.cidr(network.cidr),
        availabilityZones: [...network.availabilityZones],
        natGateways: 0,
        subnetConfiguration: [
          { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: SUBNET_PREFIX },
        ],
        flowLogs: {
          All: {
            destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs, flowLogsRole),
            trafficType: ec2.FlowLogTrafficType.ALL,
          },
        },
      });
      this.vpc = vpc;
      for (const subnet of vpc.isolatedSubnets) {
        acknowledge(
          subnet,
          'CloudFormation-Validate::W3010',
          'the zones are named in config (network.availabilityZones) on purpose: synth looks nothing up, and a named zone keeps each subnet where it is when the account gains a zone',
        );
      }
      bindDefaultSecurityGroupProvider(this);
      this.workloadSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

      const s3Endpoint = vpc.addGatewayEndpoint('S3Endpoint', {
        service: ec2.GatewayVpcEndpointAwsService.S3,
        subnets: [this.workloadSubnets],
      });
      for (const statement of s3EndpointStatements(this, props.resourceAccounts ?? [this.account])) {
        s3Endpoint.addToPolicy(statement);
      }
      const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc,
        description: 'HTTPS from inside the VPC to the AWS service endpoints',
        allowAllOutbound: false,
      });
      endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(vpcCidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
      // each endpoint costs per hour and AZ, so the feature store's come only with the feature store
      const featureStore = this.envConfig.maturity.capabilities.has('featureStore');
      const continuousDeployment = this.envConfig.maturity.capabilities.has('continuousDeployment');
      const drift = this.envConfig.maturity.capabilities.has('driftRetraining');
      for (const [endpointId, service] of [
        ...INTERFACE_ENDPOINTS,
        ...(featureStore ? FEATURE_STORE_ENDPOINTS : []),
        ...(continuousDeployment ? CONTINUOUS_DEPLOYMENT_ENDPOINTS : []),
        ...(drift ? DRIFT_ENDPOINTS : []),
      ]) {
        const endpoint = vpc.addInterfaceEndpoint(endpointId, {
          service,
          subnets: this.workloadSubnets,
          securityGroups: [endpointSecurityGroup],
          privateDnsEnabled: true,
          // The shared security group already allows HTTPS from the VPC CIDR given in config.
          open: false,
        });
        if (!BROWSER_SESSION_ENDPOINTS.has(endpointId)) endpoint.addToPolicy(ownPrincipalsStatement(this));
      }
    }

    this.workloadSecurityGroup = new ec2.SecurityGroup(this, 'WorkloadSecurityGroup', {
      vpc: this.vpc,
      description: 'SageMaker Studio apps, jobs and endpoints of the platform',
      allowAllOutbound: false,
    });
    // Studio apps reach their EFS home and each other; jobs talk between containers.
    this.workloadSecurityGroup.addIngressRule(
      this.workloadSecurityGroup,
      ec2.Port.allTcp(),
      'SageMaker workloads among themselves',
    );
    this.workloadSecurityGroup.addEgressRule(
      this.workloadSecurityGroup,
      ec2.Port.allTcp(),
      'SageMaker workloads among themselves',
    );
    // The subnets are isolated (no internet route), so HTTPS egress only reaches the interface endpoints and the
    // S3 gateway endpoint, whose prefix list cannot be named without a lookup.
    this.workloadSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to the VPC endpoints and the S3 gateway endpoint',
    );
  }
}

/**
 * The data perimeter of the S3 gateway endpoint: workloads reach the buckets of the given accounts (the platform's
 * own), and of the AWS-owned buckets only the one ECR serves image layers from, read-only. Anything else, such as
 * a bucket in an attacker's account, is out of reach from the isolated subnets.
 */
function s3EndpointStatements(stack: NetworkStack, accounts: readonly string[]): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'PlatformBuckets',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:ResourceAccount': [...new Set(accounts)] } },
    }),
    new iam.PolicyStatement({
      sid: 'EcrImageLayers',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:GetObject'],
      resources: [`arn:${stack.partition}:s3:::prod-${stack.region}-starport-layer-bucket/*`],
    }),
  ];
}

/** Interface endpoints other than Studio's: only principals of this account may call through them. */
function ownPrincipalsStatement(stack: NetworkStack): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'OwnPrincipalsOnly',
    principals: [new iam.AnyPrincipal()],
    actions: ['*'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:PrincipalAccount': stack.account } },
  });
}

/** Construct id of the CDK's provider of `Custom::VpcRestrictDefaultSG`, one per stack (ADR 0026). */
export const DEFAULT_SECURITY_GROUP_PROVIDER = 'Custom::VpcRestrictDefaultSGCustomResourceProvider';

/**
 * Binds the trust of the CDK's default-security-group provider role to this account and its region's functions, as
 * every Lambda trust of the platform is (lib/constructs/principals.ts). The CDK writes that role as a raw
 * `AWS::IAM::Role`, so the condition goes in by override; ADR 0026 says why the provider stays.
 */
function bindDefaultSecurityGroupProvider(stack: Stack): void {
  const role = stack.node.tryFindChild(DEFAULT_SECURITY_GROUP_PROVIDER)?.node.tryFindChild('Role');
  if (!CfnResource.isCfnResource(role)) {
    throw new Error(
      `${stack.node.path}: the CDK no longer creates ${DEFAULT_SECURITY_GROUP_PROVIDER}; revisit ADR 0026`,
    );
  }
  role.addPropertyOverride(
    'AssumeRolePolicyDocument.Statement.0.Condition',
    sourceConditions(stack, 'lambda.amazonaws.com'),
  );
}
