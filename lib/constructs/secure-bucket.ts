import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { throwIfInvalid } from './validation';

export interface SecureBucketProps {
  /**
   * A fixed name, for a bucket that something outside its stack finds by name.
   * @default - a name CloudFormation generates
   */
  readonly bucketName?: string;
  /**
   * Send the bucket's object events to EventBridge.
   * @default false
   */
  readonly eventBridgeEnabled?: boolean;
  /**
   * Customer-managed key for SSE-KMS. Only the server-access-log bucket may go without one, because S3 log
   * delivery cannot write to an SSE-KMS bucket.
   */
  readonly encryptionKey?: kms.IKey;
  /** Bucket that receives this bucket's server access logs. Omit it only for the access-log bucket itself. */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * What happens to the bucket when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days before a noncurrent object version is deleted.
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Days before current objects expire; for log buckets.
   * @default - current objects never expire
   */
  readonly expirationDays?: number;
}

/**
 * An S3 bucket with the platform's baseline: Block Public Access, TLS only, versioning, SSE-KMS with a
 * bucket key, BucketOwnerEnforced, server access logs and a lifecycle for noncurrent versions.
 */
export class SecureBucket extends s3.Bucket {
  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    throwIfInvalid(
      [scope, id],
      'secure bucket',
      !props.encryptionKey && props.serverAccessLogsBucket
        ? ['encryptionKey must be set: only the access-log bucket may go without one, got none']
        : [],
    );
    const noncurrentDays = props.noncurrentVersionExpirationDays ?? 90;
    super(scope, id, {
      bucketName: props.bucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      ...(props.encryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket ? `${id}/` : undefined,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(noncurrentDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          ...(props.expirationDays ? { expiration: Duration.days(props.expirationDays) } : {}),
        },
      ],
    });
    if (props.eventBridgeEnabled) {
      // the CloudFormation property, not the L2 flag: that one deploys a custom resource and its function
      (this.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
        eventBridgeConfiguration: { eventBridgeEnabled: true },
      };
    }
    acknowledge(
      this,
      'NIST.800.53.R5-S3BucketReplicationEnabled',
      'recovery relies on versioning, noncurrent-version retention and RETAIN; cross-region replication is a per-fork DR choice (docs/adr/0006)',
    );
  }
}

export interface AccessLogsBucketProps {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Days server access logs are kept. */
  readonly expirationDays: number;
}

/**
 * The target of the other buckets' server access logs: SSE-S3 (S3 log delivery cannot write SSE-KMS), no logs
 * of its own (the logging rules pass a bucket that others log to), and the SSE-KMS finding acknowledged here.
 */
export class AccessLogsBucket extends SecureBucket {
  constructor(scope: Construct, id: string, props: AccessLogsBucketProps) {
    super(scope, id, {
      removalPolicy: props.removalPolicy,
      expirationDays: props.expirationDays,
      noncurrentVersionExpirationDays: 7,
    });
    acknowledge(
      this,
      'NIST.800.53.R5-S3DefaultEncryptionKMS',
      'S3 server access log delivery only supports SSE-S3 on the target bucket, not SSE-KMS',
    );
  }
}
