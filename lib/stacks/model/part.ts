import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { ResolvedEnvironment } from '../../config/loader';
import type { ResolvedModel } from '../../config/models';

/** What every part of a model's stack (serving, batch, training, retraining, monitoring) knows. */
export interface ModelPartProps {
  /** Project name, the prefix of resource names. */
  readonly project: string;
  /** The environment the model's stack belongs to, fully resolved from config. */
  readonly envConfig: ResolvedEnvironment;
  readonly model: ResolvedModel;
  /** Removal policy of the part's stateful resources: the environment's. */
  readonly removalPolicy: RemovalPolicy;
}

/** An environment of the platform, whose container registry (stage 3) holds images the workloads may run. */
export interface PlatformImageSource {
  readonly environment: string;
  readonly account: string;
  readonly region: string;
}

/** What a part that runs jobs, endpoints or functions runs in and encrypts with: the environment's network and keys. */
export interface ModelWorkloadProps extends ModelPartProps {
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
  /**
   * Every environment of the platform: the images of the model's workloads come only from their container
   * registries (in this environment's region) and from the AWS-owned repositories of the built-in images.
   * @default - this environment only
   */
  readonly imageSources?: readonly PlatformImageSource[];
}
