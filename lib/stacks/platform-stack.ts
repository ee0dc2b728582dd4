import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ResolvedEnvironment } from '../config/loader';

export interface PlatformStackProps extends StackProps {
  /** Project name, the prefix of stack and resource names. */
  readonly project: string;
  /** The environment this stack belongs to, fully resolved from config. */
  readonly envConfig: ResolvedEnvironment;
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
      stackName: props.stackName ?? `${props.project}-${props.envConfig.name}-${kebab(id)}`,
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

  /** A name unique to project and environment, for resources whose names must be unique in an account. */
  resourceName(suffix: string): string {
    return `${this.project}-${this.envConfig.name}-${suffix}`;
  }
}

function kebab(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9-]/g, '-')
    .toLowerCase();
}
