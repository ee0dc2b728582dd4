import { type App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { nagPacks } from '../../lib/compliance/nag-packs';
import { AlarmRouting, type AlarmRoutingProps } from '../../lib/constructs/alarm-routing';
import { chatChannelConfigurationName } from '../../lib/naming';
import { SLACK_CHANNEL, TEAMS_CHANNEL } from '../support/notifications-fixtures';
import { testApp } from '../support/platform';

/** A stack with an encrypted critical and warning topic, as the platform has them, and a key for dead letters. */
function setup() {
  const app = testApp();
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const critical = new sns.Topic(stack, 'Critical', { masterKey: key, enforceSSL: true });
  const warning = new sns.Topic(stack, 'Warning', { masterKey: key, enforceSSL: true });
  return { app, stack, key, critical, warning };
}

/** Unacknowledged cdk-nag findings of every rule pack the platform enforces. */
function findings(app: App, stack: Stack): string[] {
  app.synth();
  return nagPacks().flatMap((pack) =>
    pack
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.resourceLogicalId}`)),
  );
}

describe('AlarmRouting', () => {
  test('GIVEN emails and HTTPS endpoints WHEN routed THEN each is subscribed to its topic, with a dead-letter queue', () => {
    // GIVEN
    const { app, stack, key, critical, warning } = setup();

    // WHEN
    new AlarmRouting(stack, 'Routing', {
      routes: [
        {
          topic: critical,
          targets: { emails: ['oncall@example.com'], httpsEndpoints: ['https://events.example.com/sns'] },
        },
        { topic: warning, targets: { emails: ['oncall@example.com'] } },
      ],
      notifierName: 'acme-dev-alerts',
      deadLetterKey: key,
    });

    // THEN
    const template = Template.fromStack(stack);
    const deadLetters = {
      deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RoutingDeadLetters'), 'Arn'] },
    };
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    for (const [topic, protocol, endpoint] of [
      ['Critical', 'email', 'oncall@example.com'],
      ['Critical', 'https', 'https://events.example.com/sns'],
      ['Warning', 'email', 'oncall@example.com'],
    ]) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        TopicArn: { Ref: Match.stringLikeRegexp(`^${topic}`) },
        Protocol: protocol,
        Endpoint: endpoint,
        RedrivePolicy: deadLetters,
      });
    }
    // SNS may encrypt undelivered messages with the key, for topics of this account and region only
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    expect(findings(app, stack)).toEqual([]);
  });

  test('GIVEN a Slack and a Teams channel in two routes WHEN routed THEN each channel gets one configuration of both topics, a read-only role and that role as its guardrail', () => {
    // GIVEN
    const { app, stack, key, critical, warning } = setup();

    // WHEN
    const routing = new AlarmRouting(stack, 'Routing', {
      routes: [
        { topic: critical, targets: { slack: [SLACK_CHANNEL], teams: [TEAMS_CHANNEL] } },
        { topic: warning, targets: { slack: [SLACK_CHANNEL], teams: [TEAMS_CHANNEL] } },
      ],
      notifierName: 'acme-dev-alerts',
      deadLetterKey: key,
    });

    // THEN
    const template = Template.fromStack(stack);
    const role = { 'Fn::GetAtt': [Match.stringLikeRegexp('^RoutingChatRole'), 'Arn'] };
    const guardrail = [{ Ref: Match.stringLikeRegexp('^RoutingChatRolePolicy') }];
    const topics = [{ Ref: Match.stringLikeRegexp('^Critical') }, { Ref: Match.stringLikeRegexp('^Warning') }];
    template.resourcePropertiesCountIs('AWS::Chatbot::SlackChannelConfiguration', {}, 1);
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: chatChannelConfigurationName('acme-dev-alerts', 'slack', 'T07EA123LEP/C0123456789'),
      SlackWorkspaceId: SLACK_CHANNEL.workspaceId,
      SlackChannelId: SLACK_CHANNEL.channelId,
      SnsTopicArns: topics,
      IamRoleArn: role,
      GuardrailPolicies: guardrail,
      LoggingLevel: 'NONE',
    });
    template.resourcePropertiesCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {}, 1);
    template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      ConfigurationName: Match.stringLikeRegexp('^acme-dev-alerts-teams-[0-9a-f]{8}$'),
      TeamId: TEAMS_CHANNEL.teamId,
      TeamsTenantId: TEAMS_CHANNEL.tenantId,
      TeamsChannelId: TEAMS_CHANNEL.channelId,
      SnsTopicArns: topics,
      IamRoleArn: role,
      GuardrailPolicies: guardrail,
    });
    // the role may only read CloudWatch, and Chatbot alone may assume it
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'chatbot.amazonaws.com' } })],
      },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Sid: 'ReadCloudWatchForNotifications',
            Effect: 'Allow',
            Action: ['cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*'],
            Resource: '*',
          },
        ],
      },
    });
    // only chat channels: no subscription SNS delivers itself, so no dead-letter queue
    expect(routing.deadLetters).toBeUndefined();
    template.resourceCountIs('AWS::SQS::Queue', 0);
    expect(findings(app, stack)).toEqual([]);
  });

  test('GIVEN targets in another order WHEN routed THEN the logical ids and names of the others stay', () => {
    // GIVEN two orders of the same targets, and one without the first of them
    const idsOf = (emails: string[], slack: (typeof SLACK_CHANNEL)[]) => {
      const { stack, key, critical } = setup();
      new AlarmRouting(stack, 'Routing', {
        routes: [{ topic: critical, targets: { emails, slack } }],
        notifierName: 'acme-dev-alerts',
        deadLetterKey: key,
      });
      const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string }> };
      return Object.entries(template.Resources)
        .filter(([, r]) => r.Type === 'AWS::SNS::Subscription' || r.Type.startsWith('AWS::Chatbot::'))
        .map(([id]) => id)
        .sort();
    };
    const other = { workspaceId: 'T07EA123LEP', channelId: 'C9876543210' };

    // WHEN
    const before = idsOf(['a@example.com', 'b@example.com'], [SLACK_CHANNEL, other]);
    const reordered = idsOf(['b@example.com', 'a@example.com'], [other, SLACK_CHANNEL]);
    const removed = idsOf(['b@example.com'], [other]);

    // THEN
    expect(reordered).toEqual(before);
    expect(before).toEqual(expect.arrayContaining(removed));
  });

  test('GIVEN no targets WHEN routed THEN nothing is created', () => {
    // GIVEN
    const { stack, key, critical } = setup();

    // WHEN
    new AlarmRouting(stack, 'Routing', {
      routes: [{ topic: critical, targets: {} }],
      notifierName: 'acme-dev-alerts',
      deadLetterKey: key,
    });

    // THEN
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::SNS::Subscription'))).toEqual([]);
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::IAM::Role'))).toEqual([]);
  });

  test('GIVEN an imported dead-letter key WHEN an email is routed THEN it refuses the key, whose policy it cannot extend', () => {
    // GIVEN
    const { stack, critical } = setup();
    const imported = kms.Key.fromKeyArn(
      stack,
      'Imported',
      stack.formatArn({ service: 'kms', resource: 'key', resourceName: '0123abcd-0123-4567-89ab-0123456789ab' }),
    );

    // WHEN
    const route = () =>
      new AlarmRouting(stack, 'Routing', {
        routes: [{ topic: critical, targets: { emails: ['oncall@example.com'] } }],
        notifierName: 'acme-dev-alerts',
        deadLetterKey: imported,
      });

    // THEN
    expect(route).toThrow(
      "invalid alarm routing 'S/Routing':\n- deadLetterKey must be a key whose policy can admit SNS (a kms.Key of this app), got the imported key S/Imported",
    );
  });

  test('GIVEN bad targets WHEN routed THEN every problem is named with its field and value in one error', () => {
    // GIVEN
    const { stack, key, critical } = setup();
    const props: AlarmRoutingProps = {
      routes: [
        {
          topic: critical,
          targets: {
            emails: ['oncall', 'a@example.com', 'A@example.com'],
            httpsEndpoints: ['http://events.example.com/sns'],
            slack: [{ workspaceId: 'acme.slack.com', channelId: '#alerts' }],
            teams: [{ ...TEAMS_CHANNEL, channelId: '19:abc@thread.tacv2' }],
          },
        },
        { topic: critical, targets: {} },
      ],
      notifierName: 'acme dev',
      deadLetterKey: key,
    };

    // WHEN
    const route = () => new AlarmRouting(stack, 'Routing', props);

    // THEN
    expect(route).toThrow(
      [
        "invalid alarm routing 'S/Routing':",
        "- routes[0].targets.emails[0] must be an email address such as 'oncall@example.com', got 'oncall'",
        "- routes[0].targets.emails[2] is listed twice (also [1]), got 'A@example.com'",
        "- routes[0].targets.httpsEndpoints[0] must be an https:// URL (SNS sends over TLS only to those) such as 'https://events.example.com/sns', got 'http://events.example.com/sns'",
        "- routes[0].targets.slack[0].workspaceId must be a Slack workspace id such as 'T07EA123LEP', got 'acme.slack.com'",
        "- routes[0].targets.slack[0].channelId must be a Slack channel id such as 'C0123456789', got '#alerts'",
        "- routes[0].targets.teams[0].channelId must be URL-encoded such as '19%3a0123abcd%40thread.tacv2', got '19:abc@thread.tacv2'",
        "- routes[1].topic must have a construct id of its own, got 'Critical' as routes[0].topic has",
        "- notifierName must be 1 to 100 letters, digits, hyphens and underscores (it starts chat configuration names), got 'acme dev'",
      ].join('\n'),
    );
  });
});
