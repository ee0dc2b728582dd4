import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PIPELINE_APPROVAL_EVENTS, PIPELINE_FAILURE_EVENTS } from '../../lib/stacks/delivery-notifications';
import { notifiedConfig, unnotifiedConfig } from '../support/notifications-fixtures';
import {
  type CloudFormationResource,
  type CloudFormationTemplate,
  REPO_ROOT,
  resolveFixture,
  resourcesOfType,
  synthAtStage,
} from '../support/platform';

/*
 * Issue 12, finding 3: every alarm and pipeline event must reach someone. With `notifications` set, each
 * environment's alerts topic and the delivery pipeline's topics have subscribers; without it, synth says so.
 */

const ENVIRONMENTS = ['dev', 'test', 'prod'] as const;
const stageId = (env: string) => env.charAt(0).toUpperCase() + env.slice(1);

/** The logical id of the one topic with this display name. */
function topicId(template: CloudFormationTemplate, displayName: string): string {
  const ids = Object.entries(resourcesOfType(template, 'AWS::SNS::Topic'))
    .filter(([, topic]) => topic.Properties?.DisplayName === displayName)
    .map(([id]) => id);
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

/** `[protocol, endpoint]` of every subscription of a topic. */
function subscriptionsOf(template: CloudFormationTemplate, topic: string): string[][] {
  return Object.values(resourcesOfType(template, 'AWS::SNS::Subscription'))
    .filter((s) => JSON.stringify(s.Properties?.TopicArn) === JSON.stringify({ Ref: topic }))
    .map((s) => [String(s.Properties?.Protocol), String(s.Properties?.Endpoint)])
    .sort();
}

/** The chat channel configurations that receive a topic, by resource type. */
function chatChannelsOf(template: CloudFormationTemplate, topic: string): string[] {
  return Object.values(template.Resources)
    .filter((r) => r.Type.startsWith('AWS::Chatbot::'))
    .filter((r) => JSON.stringify(r.Properties?.SnsTopicArns).includes(JSON.stringify({ Ref: topic })))
    .map((r) => r.Type)
    .sort();
}

function statements(resource: CloudFormationResource | undefined, property: 'KeyPolicy' | 'PolicyDocument') {
  const document = resource?.Properties?.[property] as { Statement?: Record<string, unknown>[] } | undefined;
  return (document?.Statement ?? []).filter((s) =>
    JSON.stringify(s.Principal).includes('codestar-notifications.amazonaws.com'),
  );
}

describe('with notifications set', () => {
  // the alerts topic and its routing come with the Foundation stack at stage 1 and stay as they are: stage 4, which the
  // delivery cases below synthesize anyway, shows them
  test('GIVEN stage 4 THEN every environment’s alerts topic reaches each of its targets', () => {
    // WHEN
    const platform = synthAtStage(4, notifiedConfig);

    // THEN
    for (const env of ENVIRONMENTS) {
      const template = platform.templateJson(`${stageId(env)}/Foundation`);
      const alerts = topicId(template, `mlops ${env} alerts`);
      // every alarm of an environment is critical: the pager under critical hears them too
      expect(subscriptionsOf(template, alerts)).toEqual([
        ['email', `ml-${env}@example.com`],
        ['https', `https://events.example.com/sns/ml-${env}`],
      ]);
      expect(chatChannelsOf(template, alerts)).toEqual([
        'AWS::Chatbot::MicrosoftTeamsChannelConfiguration',
        'AWS::Chatbot::SlackChannelConfiguration',
      ]);
    }
  });

  test('GIVEN stage 4 THEN the delivery pipeline notifies failed runs to every target and pending approvals to all but the critical-only ones', () => {
    // GIVEN
    const template = synthAtStage(4, notifiedConfig).templateJson('Delivery');
    const failures = topicId(template, 'mlops-delivery failures');
    const approvals = topicId(template, 'mlops-delivery approvals');
    const pipeline = Object.keys(resourcesOfType(template, 'AWS::CodePipeline::Pipeline'));
    expect(pipeline).toHaveLength(1);

    // THEN one rule for failures and one for approvals, on the pipeline, each to its topic
    const rules = Object.values(resourcesOfType(template, 'AWS::CodeStarNotifications::NotificationRule')).map(
      (rule) => ({
        name: rule.Properties?.Name,
        events: rule.Properties?.EventTypeIds,
        onPipeline: JSON.stringify(rule.Properties?.Resource).includes(`"Ref":"${pipeline[0]}"`),
        targets: rule.Properties?.Targets,
      }),
    );
    expect(rules).toEqual([
      {
        name: 'mlops-delivery-failures',
        events: [...PIPELINE_FAILURE_EVENTS],
        onPipeline: true,
        targets: [{ TargetType: 'SNS', TargetAddress: { Ref: failures } }],
      },
      {
        name: 'mlops-delivery-approvals',
        events: [...PIPELINE_APPROVAL_EVENTS],
        onPipeline: true,
        targets: [{ TargetType: 'SNS', TargetAddress: { Ref: approvals } }],
      },
    ]);
    expect(PIPELINE_FAILURE_EVENTS).toContain('codepipeline-pipeline-pipeline-execution-failed');
    expect(PIPELINE_APPROVAL_EVENTS).toContain('codepipeline-pipeline-manual-approval-needed');

    // the pager hears failures, never approvals
    expect(subscriptionsOf(template, failures)).toEqual([
      ['email', 'ml-delivery@example.com'],
      ['https', 'https://events.example.com/sns/ml-delivery'],
    ]);
    expect(subscriptionsOf(template, approvals)).toEqual([['email', 'ml-delivery@example.com']]);
    expect(chatChannelsOf(template, approvals)).toHaveLength(2);
  });

  test('GIVEN stage 4 THEN the delivery topics are encrypted and admit CodeStar Notifications of the tooling account only, through SNS', () => {
    // GIVEN
    const template = synthAtStage(4, notifiedConfig).templateJson('Delivery');
    const topics = [topicId(template, 'mlops-delivery failures'), topicId(template, 'mlops-delivery approvals')];

    // THEN each topic has a key of its stack and a policy statement for CodeStar Notifications of this account
    for (const topic of topics) {
      const key = template.Resources[topic]?.Properties?.KmsMasterKeyId as { 'Fn::GetAtt': string[] } | undefined;
      const keyStatements = statements(template.Resources[key?.['Fn::GetAtt'][0] ?? ''], 'KeyPolicy');
      expect(keyStatements).toEqual([
        expect.objectContaining({
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Condition: { StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } },
        }),
      ]);
      const policy = Object.values(resourcesOfType(template, 'AWS::SNS::TopicPolicy')).find((p) =>
        JSON.stringify(p.Properties?.Topics).includes(`"Ref":"${topic}"`),
      );
      expect(statements(policy, 'PolicyDocument')).toEqual([
        expect.objectContaining({
          Action: 'sns:Publish',
          Effect: 'Allow',
          Resource: { Ref: topic },
          Condition: { StringEquals: { 'aws:SourceAccount': '444444444444' } },
        }),
      ]);
    }
  });

  test('GIVEN stage 4 THEN there is no unacknowledged cdk-nag finding', () => {
    expect(synthAtStage(4, notifiedConfig).violations).toEqual([]);
  });
});

/**
 * Where each alarm's runbook is: the file and the heading that starts its section, by the alarm's name (when it
 * has one) or its description. An alarm that matches none has no runbook: add a section and a line here.
 */
const RUNBOOKS: ReadonlyArray<{ readonly matches: RegExp; readonly file: string; readonly heading: string }> = [
  { matches: /^mlops-\w+-[\w-]+-5xx$/, file: 'model-alarms.md', heading: '## `<endpoint>-5xx`' },
  { matches: /^mlops-\w+-[\w-]+-p99-latency$/, file: 'model-alarms.md', heading: '## `<endpoint>-p99-latency`' },
  {
    matches: /^mlops-\w+-[\w-]+-zero-invocations$/,
    file: 'model-alarms.md',
    heading: '## `<endpoint>-zero-invocations`',
  },
  {
    matches: /^mlops-\w+-[\w-]+-feature-drift(-\d+)?$/,
    file: 'model-alarms.md',
    heading: '## `<endpoint>-feature-drift`',
  },
  { matches: /^mlops-\w+-[\w-]+-model-quality$/, file: 'model-alarms.md', heading: '## `<endpoint>-model-quality`' },
  {
    matches: /^mlops-\w+-[\w-]+-monitoring-failures$/,
    file: 'model-alarms.md',
    heading: '## `<endpoint>-monitoring-failures`',
  },
  { matches: /^mlops-\w+-[\w-]+-training-failures$/, file: 'model-alarms.md', heading: '## `<pipeline>-failures`' },
  {
    matches: /^mlops-\w+-[\w-]+-rollout-failed$/,
    file: 'promotion-and-rollout.md',
    heading: '## When the alarm `…-rollout-failed` fires',
  },
  {
    matches: /^mlops-\w+-[\w-]+-data-drift$/,
    file: 'drift-but-no-retrain.md',
    heading: '## `<project>-<env>-<model>-data-drift`',
  },
  {
    matches: /^mlops-\w+-[\w-]+-quality-violation$/,
    file: 'drift-but-no-retrain.md',
    heading: '## `<project>-<env>-<model>-quality-violation`',
  },
  {
    matches: /^Failed deliveries of notifications to email addresses and HTTPS endpoints are waiting/,
    file: 'alerts.md',
    heading: '## `Failed deliveries of notifications to email addresses and HTTPS endpoints',
  },
  {
    matches: /^Failed deliveries of .+ are waiting in the dead-letter queue$/,
    file: 'alerts.md',
    heading: '## `Failed deliveries of … are waiting in the dead-letter queue`',
  },
  {
    matches: /^An invocation of the function '.+' failed/,
    file: 'alerts.md',
    heading: '## `An invocation of the function … failed`',
  },
  {
    matches: /^The function '.+' has been throttled for 15 minutes/,
    file: 'alerts.md',
    heading: '## `The function … has been throttled for 15 minutes`',
  },
  {
    matches: /^A batch scoring run of [\w-]+ (failed|timed out)$/,
    file: 'alerts.md',
    heading: '## `A batch scoring run of <model> failed` or `timed out`',
  },
];

describe('every alarm at stage 4, with the delivery pipeline', () => {
  const alarms = () => {
    const platform = synthAtStage(4, notifiedConfig);
    return platform.stackPaths.flatMap((stackPath) =>
      Object.entries(resourcesOfType(platform.templateJson(stackPath), 'AWS::CloudWatch::Alarm')).map(
        ([id, alarm]) => ({ stackPath, id, properties: alarm.Properties ?? {} }),
      ),
    );
  };

  test('GIVEN the synthesized templates THEN every alarm publishes to the alerts topic of its environment or to the delivery failures topic', () => {
    // GIVEN
    const platform = synthAtStage(4, notifiedConfig);
    const alertsTopic = (env: string) =>
      topicId(platform.templateJson(`${stageId(env)}/Foundation`), `mlops ${env} alerts`);
    const failuresTopic = topicId(platform.templateJson('Delivery'), 'mlops-delivery failures');

    // WHEN
    const elsewhere = alarms().filter(({ stackPath, properties }) => {
      const actions = JSON.stringify(properties.AlarmActions ?? []);
      if (stackPath === 'Delivery') return actions !== JSON.stringify([{ Ref: failuresTopic }]);
      const env = stackPath.split('/')[0]?.toLowerCase() as string;
      const sameStack = JSON.stringify([{ Ref: alertsTopic(env) }]);
      // another stack of the environment reads the topic from the foundation stack's output
      const output = new RegExp(
        `^\\[\\{"Fn::GetStackOutput":\\{"StackName":"mlops-${env}-foundation","Region":"eu-west-1","OutputName":"\\w*${alertsTopic(env)}\\w*"\\}\\}\\]$`,
      );
      return actions !== sameStack && !output.test(actions);
    });

    // THEN
    expect(alarms().length).toBeGreaterThan(60);
    expect(elsewhere.map((a) => `${a.stackPath}/${a.id}: ${JSON.stringify(a.properties.AlarmActions)}`)).toEqual([]);
  });

  test('GIVEN the synthesized templates THEN every alarm has a description and a runbook section in docs/runbooks', () => {
    // GIVEN
    const runbook = (file: string) => readFileSync(path.join(REPO_ROOT, 'docs', 'runbooks', file), 'utf8');

    // WHEN
    const missing = alarms().flatMap(({ stackPath, id, properties }) => {
      const description = String(properties.AlarmDescription ?? '');
      const name = typeof properties.AlarmName === 'string' ? properties.AlarmName : undefined;
      const found = RUNBOOKS.find(({ matches }) =>
        name !== undefined ? matches.test(name) : matches.test(description),
      );
      if (description.length < 20) return [`${stackPath}/${id}: no description`];
      if (!found)
        return [`${stackPath}/${id} (${name ?? description}): no runbook; add a section and a line to RUNBOOKS`];
      const headings = runbook(found.file).split('\n');
      if (!headings.some((line) => line.startsWith(found.heading))) {
        return [`${stackPath}/${id}: docs/runbooks/${found.file} has no section "${found.heading}"`];
      }
      return [];
    });

    // THEN
    expect(missing).toEqual([]);
  });
});

describe('without notifications', () => {
  test('GIVEN no notifications WHEN resolved at stage 4 THEN synth warns once per environment and once for the delivery pipeline', () => {
    // WHEN
    const { warnings } = resolveFixture(unnotifiedConfig(), { maturity: 4 });

    // THEN
    const aboutNotifications = warnings.filter((w) => /^(environments\[\d\]|tooling)\.notifications: not set/.test(w));
    expect(aboutNotifications.map((w) => w.split(':')[0])).toEqual([
      'environments[0].notifications',
      'environments[1].notifications',
      'environments[2].notifications',
      'tooling.notifications',
    ]);
  });

  test('GIVEN no notifications WHEN synthesized THEN the alerts topics keep no subscription and gain no resource', () => {
    // WHEN
    const platform = synthAtStage(1, unnotifiedConfig);

    // THEN
    for (const env of ENVIRONMENTS) {
      const template = platform.templateJson(`${stageId(env)}/Foundation`);
      expect(resourcesOfType(template, 'AWS::SNS::Subscription')).toEqual({});
      expect(Object.keys(template.Resources).filter((id) => id.startsWith('AlarmRouting'))).toEqual([]);
    }
  });
});
