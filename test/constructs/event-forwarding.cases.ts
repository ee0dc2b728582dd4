import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EventForwarding, type EventForwardingProps } from '../../lib/constructs/event-forwarding';
import { testApp } from '../support/platform';

function givenAStack() {
  const app = testApp();
  const stack = new Stack(app, 'Env', { env: { account: '111111111111', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const topic = new sns.Topic(stack, 'Alerts', { masterKey: key, enforceSSL: true });
  const bus = events.EventBus.fromEventBusArn(
    stack,
    'Bus',
    stack.formatArn({
      service: 'events',
      account: '444444444444',
      resource: 'event-bus',
      resourceName: 'acme-portfolio',
    }),
  );
  const props = (overrides: Partial<EventForwardingProps> = {}): EventForwardingProps => ({
    targetBus: bus,
    roleName: 'acme-dev-portfolio-forwarder',
    forwarded: [
      { id: 'Packages', description: 'packages', eventPattern: { source: ['aws.sagemaker'] } },
      { id: 'Alarms', description: 'alarms', eventPattern: { source: ['aws.cloudwatch'] } },
    ],
    deadLetterKey: key,
    alarmTopic: topic,
    purpose: "dev's model events to the portfolio",
    ...overrides,
  });
  return { stack, props };
}

describe('EventForwarding', () => {
  test('GIVEN two kinds of event WHEN synthesized THEN each rule targets the bus through the one role, with the one dead-letter queue', () => {
    const { stack, props } = givenAStack();
    new EventForwarding(stack, 'Forwarding', props());
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.allResourcesProperties('AWS::Events::Rule', {
      Targets: [
        {
          Arn: Match.stringLikeRegexp(':events:eu-west-1:444444444444:event-bus/acme-portfolio$'),
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ForwardingRole'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ForwardingDeadLetters'), 'Arn'] } },
        },
      ],
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'acme-dev-portfolio-forwarder',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'events:PutEvents',
            Effect: 'Allow',
            Resource: Match.stringLikeRegexp(':events:eu-west-1:444444444444:event-bus/acme-portfolio$'),
          },
        ],
      },
    });
  });

  test('GIVEN bad props WHEN built THEN every problem is named at once', () => {
    const { stack, props } = givenAStack();
    const same = { id: 'X', description: 'x', eventPattern: { source: ['x'] } };
    expect(() => new EventForwarding(stack, 'Bad', props({ forwarded: [same, same], roleName: 'a b' }))).toThrow(
      [
        "invalid event forwarding 'Env/Bad':",
        "- forwarded[1].id: duplicate rule id 'X'",
        "- roleName: expected an IAM role name of at most 64 characters, got 'a b'",
      ].join('\n'),
    );
  });
});
