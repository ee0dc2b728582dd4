import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { AWS_EVENT_TYPES } from '../../lambda/portfolio-inventory/events';
import { EventForwarding, type ForwardedEvents } from '../constructs/event-forwarding';
import { environmentNamePrefix, portfolioBusName, portfolioForwarderRoleName } from '../naming';
import { PLATFORM_EVENT_SOURCE } from '../vocabulary';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

export interface PortfolioForwardingStackProps extends PlatformStackProps {
  /** Account and region of the portfolio bus. */
  readonly portfolio: { readonly account: string; readonly region: string };
  /** Encrypts the dead-letter queue of undeliverable events. */
  readonly logsKey: kms.IKey;
  /** The environment's alerts topic, which the dead-letter queue's alarm notifies. */
  readonly alertsTopic: sns.ITopic;
}

/**
 * Stage 5: forwards what happens to this environment's models to the portfolio bus (ADR 0028): model package state
 * changes, endpoint state and deployment changes, training pipeline executions (with their trigger reason in the
 * description), the state changes of the platform's alarms, and the platform's own events (verdicts, rollouts,
 * retraining decisions). Every rule matches this environment's names only, so environments that share an account
 * each forward their own. It finds the bus by name; no stack of another account is referenced.
 */
export class PortfolioForwardingStack extends PlatformStack {
  readonly forwarding: EventForwarding;

  constructor(scope: Construct, id: string, props: PortfolioForwardingStackProps) {
    super(scope, id, props);
    const environment = this.envConfig.name;
    // every name of this environment's models starts so (lib/naming.ts), and environment names hold no hyphen
    const prefix = `${environmentNamePrefix(this.project, environment)}-`;
    const bus = events.EventBus.fromEventBusArn(
      this,
      'PortfolioBus',
      this.formatArn({
        service: 'events',
        account: props.portfolio.account,
        region: props.portfolio.region,
        resource: 'event-bus',
        resourceName: portfolioBusName(this.project),
      }),
    );
    this.forwarding = new EventForwarding(this, 'Forwarding', {
      targetBus: bus,
      roleName: portfolioForwarderRoleName(this.project, environment),
      forwarded: portfolioEvents(this.project, environment, prefix),
      deadLetterKey: props.logsKey,
      alarmTopic: props.alertsTopic,
      purpose: `${environment}'s model events to the portfolio`,
      removalPolicy: this.statefulRemovalPolicy,
    });
  }
}

/** The rules of one environment: what the portfolio records, filtered to the environment's own names. */
export function portfolioEvents(project: string, environment: string, prefix: string): ForwardedEvents[] {
  return [
    {
      id: 'ModelPackages',
      description: `Model package state changes of ${environment}'s models, to the portfolio`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: [AWS_EVENT_TYPES.modelPackage],
        detail: { ModelPackageGroupName: events.Match.prefix(prefix) },
      },
    },
    {
      id: 'Endpoints',
      description: `Endpoint state and deployment changes of ${environment}'s models, to the portfolio`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: [AWS_EVENT_TYPES.endpoint, AWS_EVENT_TYPES.endpointDeployment],
        detail: { EndpointName: events.Match.prefix(prefix) },
      },
    },
    {
      id: 'TrainingRuns',
      description: `Training pipeline executions of ${environment}'s models, with their trigger reason, to the portfolio`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: [AWS_EVENT_TYPES.pipelineExecution],
        detail: { pipelineArn: events.Match.wildcard(`*:pipeline/${prefix}*`) },
      },
    },
    {
      id: 'Alarms',
      description: `State changes of ${environment}'s model alarms, to the portfolio`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: [AWS_EVENT_TYPES.alarm],
        detail: { alarmName: events.Match.prefix(prefix) },
      },
    },
    {
      id: 'PlatformEvents',
      description: `The platform's verdicts, rollouts and retraining decisions in ${environment}, to the portfolio`,
      eventPattern: {
        source: [PLATFORM_EVENT_SOURCE],
        detail: { project: [project], environment: [environment] },
      },
    },
  ];
}
