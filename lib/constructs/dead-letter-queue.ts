import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';

export interface DeadLetterQueueProps {
  /** Key that encrypts the messages. */
  readonly encryptionKey: kms.IKey;
  /** Topic the alarm notifies when a message lands in the queue. */
  readonly alarmTopic: sns.ITopic;
  /** What the queue catches, for the alarm description (for example "the MLflow stop schedule"). */
  readonly purpose: string;
  /**
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether a Lambda function names this queue as its `DeadLetterConfig`: cdk-nag then knows it is a dead-letter
   * queue (AwsSolutions-SQS3 passes), so that finding is not acknowledged.
   * @default false
   */
  readonly ofFunction?: boolean;
}

/**
 * An encrypted, TLS-only dead-letter queue that keeps messages 14 days, with an alarm (and an SNS action)
 * as soon as one message is waiting.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    const reason = 'this queue is itself a dead-letter queue; it has nowhere further to go and its alarm pages a human';
    if (!props.ofFunction) acknowledge(this.queue, 'AwsSolutions-SQS3', reason);
    acknowledge(this.queue, 'Serverless-SQSRedrivePolicy', reason);
    this.alarm = this.queue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' })
      .createAlarm(this, 'Alarm', {
        alarmDescription: `Failed deliveries of ${props.purpose} are waiting in the dead-letter queue`,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
  }
}
