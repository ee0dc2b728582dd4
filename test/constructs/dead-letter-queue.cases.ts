import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DeadLetterQueue } from '../../lib/constructs/dead-letter-queue';
import { testApp } from '../support/platform';

test('GIVEN a dead-letter queue THEN it is KMS-encrypted, keeps 14 days and alarms to SNS on the first message', () => {
  // GIVEN
  const stack = new Stack(testApp(), 'S');
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const topic = new sns.Topic(stack, 'Topic');

  // WHEN
  new DeadLetterQueue(stack, 'Dlq', { encryptionKey: key, alarmTopic: topic, purpose: 'a test schedule' });

  // THEN
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::SQS::Queue', {
    KmsMasterKeyId: Match.anyValue(),
    MessageRetentionPeriod: 1209600,
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    AlarmActions: [{ Ref: Match.stringLikeRegexp('^Topic') }],
  });
});
