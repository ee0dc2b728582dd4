import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SecureBucket } from '../../lib/constructs/secure-bucket';
import { testApp } from '../support/platform';

describe('SecureBucket', () => {
  function stackWithBuckets() {
    const stack = new Stack(testApp(), 'S');
    const logs = new SecureBucket(stack, 'Logs', { expirationDays: 90 });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new SecureBucket(stack, 'Data', {
      encryptionKey: key,
      serverAccessLogsBucket: logs,
      removalPolicy: RemovalPolicy.DESTROY,
      noncurrentVersionExpirationDays: 30,
    });
    return Template.fromStack(stack);
  }

  test('GIVEN a key and a log bucket THEN the bucket is SSE-KMS, versioned, logged and expires old versions', () => {
    stackWithBuckets().hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
          ],
        },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'Data/' },
        LifecycleConfiguration: {
          Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })],
        },
      }),
    });
  });

  test('GIVEN no removal policy THEN the bucket is retained', () => {
    stackWithBuckets().hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90 })] },
      }),
    });
  });

  test('GIVEN a log target but no key THEN it refuses, because only the log bucket may skip SSE-KMS', () => {
    const stack = new Stack(testApp(), 'S');
    const logs = new SecureBucket(stack, 'Logs', {});
    expect(() => new SecureBucket(stack, 'Data', { serverAccessLogsBucket: logs })).toThrow(
      /^invalid secure bucket 'S\/Data':\n- encryptionKey must be set: only the access-log bucket may go without one, got none$/,
    );
  });
});
