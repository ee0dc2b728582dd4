import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as notifications from 'aws-cdk-lib/aws-codestarnotifications';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, type IDependable } from 'constructs';
import {
  type NotificationsConfig,
  notificationsBySeverity,
  type ResolvedNotificationTargets,
  reachesAnyone,
} from '../config/notifications';
import { type AlarmRoute, AlarmRouting } from '../constructs/alarm-routing';
import { deliveryNotificationRuleName } from '../naming';

/** The pipeline events that are critical: a run failed, whatever stage or action failed in it. */
export const PIPELINE_FAILURE_EVENTS = ['codepipeline-pipeline-pipeline-execution-failed'] as const;

/** The pipeline events that are warnings: a manual approval waits for someone. */
export const PIPELINE_APPROVAL_EVENTS = ['codepipeline-pipeline-manual-approval-needed'] as const;

const CODESTAR_NOTIFICATIONS = 'codestar-notifications.amazonaws.com';

export interface DeliveryNotificationsProps {
  /** The delivery pipeline whose runs are watched. */
  readonly pipeline: codepipeline.IPipeline;
  /** Its name, which names the notification rules and the chat channel configurations. */
  readonly pipelineName: string;
  /** Who hears of failed runs (critical) and pending approvals (warning), as the config says it. */
  readonly notifications: NotificationsConfig;
}

/**
 * Stage 4: CodeStar Notifications rules on a delivery pipeline. Failed runs (critical) and pending approvals
 * (warning) each publish to an encrypted topic of their own, so a target that hears only critical notifications, such
 * as a pager, never rings for an approval. A severity without targets gets no topic and no rule.
 */
export class DeliveryNotifications extends Construct {
  /** Encrypts the topics and the dead-letter queue; CodeStar Notifications may use it only through SNS. */
  readonly key: kms.Key;
  /** Failed runs, when someone hears critical notifications. */
  readonly failuresTopic?: sns.Topic;
  /** Pending approvals, when someone hears warnings. */
  readonly approvalsTopic?: sns.Topic;
  readonly failureRule?: notifications.NotificationRule;
  readonly approvalRule?: notifications.NotificationRule;
  /** The subscriptions and chat channels of the topics. */
  readonly routing: AlarmRouting;

  constructor(scope: Construct, id: string, props: DeliveryNotificationsProps) {
    super(scope, id);
    const { pipeline, pipelineName } = props;
    const targets = notificationsBySeverity(props.notifications);

    this.key = new kms.Key(this, 'Key', {
      description: `Notifications of the ${pipelineName} pipeline`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      // it encrypts nothing that outlives the stack: messages in flight and a dead-letter queue of 14 days
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CodeStar Notifications publishes to the encrypted topics through SNS, in this region only
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCodeStarNotificationsThroughSns',
        principals: [new iam.ServicePrincipal(CODESTAR_NOTIFICATIONS)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );

    const routes: AlarmRoute[] = [];
    const watch = (
      topicId: string,
      ruleId: string,
      what: 'failures' | 'approvals',
      events: readonly string[],
      severityTargets: ResolvedNotificationTargets,
    ) => {
      if (!reachesAnyone(severityTargets)) return undefined;
      const { topic, policy } = this.createTopic(topicId, `${pipelineName} ${what}`);
      routes.push({ topic, targets: severityTargets });
      const rule = new notifications.NotificationRule(this, ruleId, {
        notificationRuleName: deliveryNotificationRuleName(pipelineName, what),
        source: pipeline,
        events: [...events],
        // the topic policy below admits CodeStar Notifications; the L2 topic target would add an unconditioned one
        targets: [{ bindAsNotificationRuleTarget: () => ({ targetType: 'SNS', targetAddress: topic.topicArn }) }],
      });
      // the rule is created once the topic admits CodeStar Notifications: creating it checks that it may publish
      if (policy) rule.node.addDependency(policy);
      return { topic, rule };
    };
    const failures = watch('FailuresTopic', 'FailureRule', 'failures', PIPELINE_FAILURE_EVENTS, targets.critical);
    const approvals = watch('ApprovalsTopic', 'ApprovalRule', 'approvals', PIPELINE_APPROVAL_EVENTS, targets.warning);
    this.failuresTopic = failures?.topic;
    this.failureRule = failures?.rule;
    this.approvalsTopic = approvals?.topic;
    this.approvalRule = approvals?.rule;
    this.routing = new AlarmRouting(this, 'Routing', { routes, notifierName: pipelineName, deadLetterKey: this.key });
    if (this.routing.deadLetters) {
      // the dead-letter queue's alarm publishes to the encrypted failures topic
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowAlarmsOfThisAccountToPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
    }
  }

  private createTopic(id: string, displayName: string): { topic: sns.Topic; policy?: IDependable } {
    const topic = new sns.Topic(this, id, { displayName, masterKey: this.key, enforceSSL: true });
    const { policyDependable: policy } = topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCodeStarNotificationsOfThisAccount',
        principals: [new iam.ServicePrincipal(CODESTAR_NOTIFICATIONS)],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    return { topic, policy };
  }
}
