import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue';
import { PlatformRole } from './platform-role';

export interface EventNotificationProps {
  /** Prefix of the ids of the dead-letter queue (`<prefix>DeadLetters`) and the role (`<prefix>Role`). */
  readonly idPrefix: string;
  /** Id of the rule. */
  readonly ruleId: string;
  /** What the events mean, as the rule's description. */
  readonly description: string;
  readonly eventPattern: events.EventPattern;
  /** Topic the events are published to. */
  readonly topic: sns.ITopic;
  /** Encrypts the dead-letter queue of undeliverable events. */
  readonly deadLetterKey: kms.IKey;
  /** What is notified, for the dead-letter queue's alarm (for example "failure notifications of X"). */
  readonly purpose: string;
  /**
   * Description of the publishing role.
   * @default - "EventBridge publishes <purpose>"
   */
  readonly roleDescription?: string;
  /**
   * What happens to the dead-letter queue of the notifications when it leaves the stack; prod keeps it (the
   * environment's stateful removal policy), so undelivered events survive a removed resource.
   * @default RemovalPolicy.DESTROY
   */
  readonly deadLetterRemovalPolicy?: RemovalPolicy;
}

/**
 * Publishes matching EventBridge events to an SNS topic through a role scoped to this account, with retries for
 * six hours and a dead-letter queue with an alarm behind them. Creates its resources directly in `scope`, so a
 * construct that adopts it keeps its logical ids.
 */
export function notifyOnEvents(scope: Construct, props: EventNotificationProps): events.Rule {
  const deadLetters = new DeadLetterQueue(scope, `${props.idPrefix}DeadLetters`, {
    encryptionKey: props.deadLetterKey,
    alarmTopic: props.topic,
    purpose: props.purpose,
    removalPolicy: props.deadLetterRemovalPolicy,
  });
  const publishRole = new PlatformRole(scope, `${props.idPrefix}Role`, {
    assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
    description: props.roleDescription ?? `EventBridge publishes ${props.purpose}`,
  });
  props.topic.grantPublish(publishRole);
  publishRole.justifyActions(
    ['kms:GenerateDataKey*'],
    'publishing to the KMS-encrypted alerts topic needs data keys of its one key',
  );
  return new events.Rule(scope, props.ruleId, {
    description: props.description,
    eventPattern: props.eventPattern,
    targets: [
      new targets.SnsTopic(props.topic, {
        authorizeUsingRole: true,
        role: publishRole,
        deadLetterQueue: deadLetters.queue,
        retryAttempts: 8,
        maxEventAge: Duration.hours(6),
      }),
    ],
  });
}

/**
 * How often a rule matched an event (`AWS/Events` `TriggeredRules`): turns an event stream such as failed
 * jobs into a metric that an alarm and a dashboard can watch.
 * @default - Sum over 1 hour
 */
export function metricRuleMatches(rule: events.IRule, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName: 'TriggeredRules',
    dimensionsMap: { RuleName: rule.ruleName },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.hours(1),
    ...props,
  });
}
