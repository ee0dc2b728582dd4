import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { ResolvedEnvironment } from '../config/loader';
import { stackName } from '../naming';

export interface PlatformStackProps extends StackProps {
  /** Project name, the prefix of stack and resource names. */
  readonly project: string;
  /** The environment this stack belongs to, fully resolved from config. */
  readonly envConfig: ResolvedEnvironment;
}

/** What every per-model workload stack runs in and encrypts with: the environment's network and keys. */
export interface WorkloadStackProps extends PlatformStackProps {
  readonly vpc: ec2.IVpc;
  /** The isolated subnets of `vpc` that jobs, endpoints and functions run in. */
  readonly workloadSubnets: ec2.SubnetSelection;
  readonly workloadSecurityGroup: ec2.ISecurityGroup;
  /** Encrypts data: the raw and curated buckets, data capture, feature stores. */
  readonly dataKey: kms.IKey;
  /** Encrypts artifacts: models, pipeline outputs, reports, job volumes. */
  readonly artifactsKey: kms.IKey;
  /** Encrypts logs and dead-letter queues. */
  readonly logsKey: kms.IKey;
}

/** Base of every capability stack: a stable stack name and the environment's protection settings. */
export abstract class PlatformStack extends Stack {
  readonly project: string;
  /** The environment this stack belongs to (`Stack.environment` is CDK's own `aws://account/region`). */
  readonly envConfig: ResolvedEnvironment;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    const { project: _project, envConfig: _envConfig, ...stackProps } = props;
    super(scope, id, {
      ...stackProps,
      // Stable, project-scoped names: the same whether deployed by hand or by the delivery pipeline.
      stackName: props.stackName ?? stackName(props.project, props.envConfig.name, id),
      terminationProtection: props.terminationProtection ?? props.envConfig.settings.terminationProtection,
    });
    this.project = props.project;
    this.envConfig = props.envConfig;
  }

  /** The environment's availability zones from config: CDK would otherwise look them up at synth. */
  override get availabilityZones(): string[] {
    return [...this.envConfig.network.availabilityZones];
  }

  /** Removal policy of stateful resources in this environment. */
  get statefulRemovalPolicy(): RemovalPolicy {
    return this.envConfig.settings.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
  }
}
