import { createHash } from 'node:crypto';
import { Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { chatChannelConfigurationName } from '../naming';
import { DeadLetterQueue } from './dead-letter-queue';
import { PlatformRole } from './platform-role';
import { known, quoted, throwIfInvalid } from './validation';

/** A Slack channel of a workspace that is authorized in AWS Chatbot (a one-time step in its console). */
export interface SlackChannel {
  /** The workspace id that the AWS Chatbot console shows once the workspace is authorized, such as `T07EA123LEP`. */
  readonly workspaceId: string;
  /** The channel id, such as `C0123456789` (in Slack: the channel's details, at the bottom); not its name. */
  readonly channelId: string;
}

/** A Microsoft Teams channel of a team that is authorized in AWS Chatbot (a one-time step in its console). */
export interface TeamsChannel {
  /** The team id (a UUID) that the AWS Chatbot console shows once the team is authorized. */
  readonly teamId: string;
  /** The Microsoft Entra tenant id (a UUID) of the team. */
  readonly tenantId: string;
  /** The channel id, URL-encoded as in the channel's link: `19%3a...%40thread.tacv2`. */
  readonly channelId: string;
}

/** Who receives what a topic publishes. */
export interface NotificationTargets {
  /**
   * Email addresses; each receives a message from SNS and must confirm the subscription before anything reaches it.
   * @default - no email
   */
  readonly emails?: readonly string[];
  /**
   * HTTPS endpoints, such as an incident tool's SNS integration URL; each must confirm the subscription.
   * @default - no HTTPS endpoint
   */
  readonly httpsEndpoints?: readonly string[];
  /** @default - no Slack channel */
  readonly slack?: readonly SlackChannel[];
  /** @default - no Microsoft Teams channel */
  readonly teams?: readonly TeamsChannel[];
}

/** One topic and who receives it. */
export interface AlarmRoute {
  /** The topic the alarms or events publish to. Its construct id starts the ids of its subscriptions. */
  readonly topic: sns.ITopic;
  readonly targets: NotificationTargets;
}

export interface AlarmRoutingProps {
  /** Each topic with its targets; a chat channel listed in several routes gets one configuration for all of them. */
  readonly routes: readonly AlarmRoute[];
  /**
   * Who notifies, which starts the name of every chat channel configuration (`chatChannelConfigurationName`): those
   * names are unique in an account across regions.
   */
  readonly notifierName: string;
  /**
   * Encrypts the dead-letter queue that keeps, for 14 days, what SNS could not deliver to an email address or an HTTPS
   * endpoint. Its key policy gains a statement for SNS topics of this account and region, so it must be a key defined
   * in this app, not an imported one. The queue's alarm publishes to the first route's topic, so the other targets
   * hear that one of them missed something.
   */
  readonly deadLetterKey: kms.IKey;
}

/**
 * Subscribes email addresses and HTTPS endpoints to topics, and connects Slack and Microsoft Teams channels to them
 * through AWS Chatbot. The channels share one role that may only read CloudWatch (for the alarm graphs in the
 * messages); it is also their guardrail, so nobody in a channel can do more, whatever is attached later.
 */
export class AlarmRouting extends Construct {
  /** The email and HTTPS subscriptions, in route order. */
  readonly subscriptions: readonly sns.Subscription[];
  /** Where undelivered email and HTTPS notifications wait; only when there is such a subscription. */
  readonly deadLetters?: DeadLetterQueue;
  /** The Slack channel configurations, one per channel. */
  readonly slackChannels: readonly chatbot.SlackChannelConfiguration[];
  /** The Microsoft Teams channel configurations, one per channel. */
  readonly teamsChannels: readonly chatbot.CfnMicrosoftTeamsChannelConfiguration[];
  /** The role of the chat channels, and their guardrail; only when there is a channel. */
  readonly chatRole?: PlatformRole;

  constructor(scope: Construct, id: string, props: AlarmRoutingProps) {
    super(scope, id);
    throwIfInvalid(this, 'alarm routing', validate(props));

    const subscriptions: sns.Subscription[] = [];
    const endpoints = props.routes.some(
      (r) => (r.targets.emails ?? []).length + (r.targets.httpsEndpoints ?? []).length > 0,
    );
    const firstTopic = props.routes[0]?.topic;
    if (endpoints && firstTopic) this.deadLetters = this.createDeadLetters(props, firstTopic);
    const slack = new Map<string, { channel: SlackChannel; topics: sns.ITopic[] }>();
    const teams = new Map<string, { channel: TeamsChannel; topics: sns.ITopic[] }>();
    for (const { topic, targets } of props.routes) {
      // ids follow the endpoint, not its position: removing one address must not re-create (and make everyone
      // re-confirm) the subscriptions listed after it
      const subscribe = (protocol: sns.SubscriptionProtocol, kind: string, endpoint: string) =>
        subscriptions.push(
          new sns.Subscription(this, `${topic.node.id}${kind}${digest(endpoint)}`, {
            topic,
            protocol,
            endpoint,
            deadLetterQueue: this.deadLetters?.queue,
          }),
        );
      for (const email of targets.emails ?? []) subscribe(sns.SubscriptionProtocol.EMAIL, 'Email', email);
      for (const url of targets.httpsEndpoints ?? []) subscribe(sns.SubscriptionProtocol.HTTPS, 'Https', url);
      for (const channel of targets.slack ?? []) {
        const found = slack.get(slackKey(channel)) ?? { channel, topics: [] };
        found.topics.push(topic);
        slack.set(slackKey(channel), found);
      }
      for (const channel of targets.teams ?? []) {
        const found = teams.get(teamsKey(channel)) ?? { channel, topics: [] };
        found.topics.push(topic);
        teams.set(teamsKey(channel), found);
      }
    }
    this.subscriptions = subscriptions;

    const role = slack.size + teams.size > 0 ? this.createChatRole(props.notifierName) : undefined;
    this.chatRole = role;
    this.slackChannels = !role
      ? []
      : [...slack].map(
          ([key, { channel, topics }]) =>
            new chatbot.SlackChannelConfiguration(this, `Slack${digest(key)}`, {
              slackChannelConfigurationName: chatChannelConfigurationName(props.notifierName, 'slack', key),
              slackWorkspaceId: channel.workspaceId,
              slackChannelId: channel.channelId,
              notificationTopics: topics,
              role,
              // without a guardrail Chatbot lets a channel run anything AdministratorAccess allows
              guardrailPolicies: [role.policy],
              // Chatbot would log to us-east-1 into a group it creates without a key or a retention
              loggingLevel: chatbot.LoggingLevel.NONE,
            }),
        );
    this.teamsChannels = !role
      ? []
      : [...teams].map(
          ([key, { channel, topics }]) =>
            new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, `Teams${digest(key)}`, {
              configurationName: chatChannelConfigurationName(props.notifierName, 'teams', key),
              teamId: channel.teamId,
              teamsTenantId: channel.tenantId,
              teamsChannelId: channel.channelId,
              snsTopicArns: topics.map((topic) => topic.topicArn),
              iamRoleArn: role.roleArn,
              guardrailPolicies: [role.policy.managedPolicyArn],
              loggingLevel: 'NONE',
            }),
        );
  }

  private createDeadLetters(props: AlarmRoutingProps, alarmTopic: sns.ITopic): DeadLetterQueue {
    const deadLetters = new DeadLetterQueue(this, 'DeadLetters', {
      encryptionKey: props.deadLetterKey,
      alarmTopic,
      purpose: 'notifications to email addresses and HTTPS endpoints',
    });
    // SNS encrypts what it moves into the queue with the queue's key, for topics of this account and region; naming
    // the topics would be a cycle, as the key usually encrypts them too
    const { statementAdded } = props.deadLetterKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSnsToKeepUndeliveredNotifications',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { ArnLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'sns', resource: '*' }) } },
      }),
    );
    if (!statementAdded) {
      throwIfInvalid(this, 'alarm routing', [
        `deadLetterKey must be a key whose policy can admit SNS (a kms.Key of this app), got the imported key ${props.deadLetterKey.node.path}`,
      ]);
    }
    return deadLetters;
  }

  private createChatRole(notifierName: string): PlatformRole {
    const role = new PlatformRole(this, 'ChatRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      description: `AWS Chatbot reads the CloudWatch alarms and graphs of the notifications of ${notifierName}`,
    });
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ReadCloudWatchForNotifications',
        actions: ['cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*'],
        resources: ['*'],
      }),
      "the action groups of AWS Chatbot's notifications-only policy template: they read alarms, metrics and graphs of this account and nothing else (metric reads support no resource scope), and as the channels' guardrail they also cap what anyone in a channel may run",
    );
    return role;
  }
}

/** Eight hex digits of a value: part of ids and names that must follow the value, not its position. */
function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 8);
}

const slackKey = (channel: SlackChannel) => `${channel.workspaceId}/${channel.channelId}`;
const teamsKey = (channel: TeamsChannel) => `${channel.tenantId}/${channel.teamId}/${channel.channelId.toLowerCase()}`;

const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const SLACK_WORKSPACE = /^[0-9A-Z]{1,255}$/;
const SLACK_CHANNEL = /^[A-Za-z0-9]{1,256}$/;
const UUID = /^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/;
// as CloudFormation checks it: URL-encoded, with %3a and %40 for ':' and '@'
const TEAMS_CHANNEL = /^[\w\-=+/.,]*%3[aA][\w\-=+/.,]*%40[\w\-=+/.,]*$/;

/** Every problem of the props, each naming the field and the bad value. */
function validate(props: AlarmRoutingProps): string[] {
  const problems: string[] = [];
  const topicIds = new Map<string, number>();
  props.routes.forEach(({ topic, targets }, i) => {
    const at = `routes[${i}]`;
    const clash = topicIds.get(topic.node.id);
    if (clash !== undefined) {
      problems.push(
        `${at}.topic must have a construct id of its own, got '${topic.node.id}' as routes[${clash}].topic has`,
      );
    }
    topicIds.set(topic.node.id, i);
    const checkAll = (field: string, values: readonly string[], ok: (value: string) => boolean, what: string) => {
      const seen = new Map<string, number>();
      values.forEach((value, j) => {
        if (!known(value)) return;
        if (!ok(value)) problems.push(`${at}.targets.${field}[${j}] must be ${what}, got ${quoted(value)}`);
        const first = seen.get(value.toLowerCase());
        if (first !== undefined) {
          problems.push(`${at}.targets.${field}[${j}] is listed twice (also [${first}]), got ${quoted(value)}`);
        }
        seen.set(value.toLowerCase(), j);
      });
    };
    checkAll('emails', targets.emails ?? [], (v) => EMAIL.test(v), "an email address such as 'oncall@example.com'");
    checkAll(
      'httpsEndpoints',
      targets.httpsEndpoints ?? [],
      (v) => /^https:\/\/[^\s/]+[^\s]*$/.test(v),
      "an https:// URL (SNS sends over TLS only to those) such as 'https://events.example.com/sns'",
    );
    (targets.slack ?? []).forEach((channel, j) => {
      if (known(channel.workspaceId) && !SLACK_WORKSPACE.test(channel.workspaceId)) {
        problems.push(
          `${at}.targets.slack[${j}].workspaceId must be a Slack workspace id such as 'T07EA123LEP', got ${quoted(channel.workspaceId)}`,
        );
      }
      if (known(channel.channelId) && !SLACK_CHANNEL.test(channel.channelId)) {
        problems.push(
          `${at}.targets.slack[${j}].channelId must be a Slack channel id such as 'C0123456789', got ${quoted(channel.channelId)}`,
        );
      }
    });
    checkAll('slack', (targets.slack ?? []).map(slackKey), () => true, 'a channel');
    (targets.teams ?? []).forEach((channel, j) => {
      for (const field of ['teamId', 'tenantId'] as const) {
        if (known(channel[field]) && !UUID.test(channel[field])) {
          problems.push(`${at}.targets.teams[${j}].${field} must be a UUID, got ${quoted(channel[field])}`);
        }
      }
      if (known(channel.channelId) && !TEAMS_CHANNEL.test(channel.channelId)) {
        problems.push(
          `${at}.targets.teams[${j}].channelId must be URL-encoded such as '19%3a0123abcd%40thread.tacv2', got ${quoted(channel.channelId)}`,
        );
      }
    });
    checkAll('teams', (targets.teams ?? []).map(teamsKey), () => true, 'a channel');
  });
  if (known(props.notifierName) && !/^[A-Za-z0-9_-]{1,100}$/.test(props.notifierName)) {
    problems.push(
      `notifierName must be 1 to 100 letters, digits, hyphens and underscores (it starts chat configuration names), got ${quoted(props.notifierName)}`,
    );
  }
  return problems;
}
