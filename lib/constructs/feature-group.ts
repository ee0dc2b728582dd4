import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';
import type { IPlatformFeatureGroup } from '../feature-store/types';
import { GLUE_CATALOG, MAX_FEATURE_GROUP_NAME_LENGTH, offlineStorePrefix, offlineStoreTableName } from '../naming';
import type { FeatureGroupDefinition, FeatureType } from '../vocabulary';
import { PlatformRole } from './platform-role';
import { known, throwIfInvalid } from './validation';

/** Feature types as SageMaker spells them. */
const SAGEMAKER_FEATURE_TYPES: Readonly<Record<FeatureType, string>> = {
  string: 'String',
  integral: 'Integral',
  fractional: 'Fractional',
};

const FEATURE_GROUP_NAME = /^[a-zA-Z0-9]([_-]*[a-zA-Z0-9]){0,63}$/;
const GLUE_NAME = /^[a-z0-9_]{1,255}$/;

export interface PlatformFeatureGroupProps {
  /** The group's definition, usually from config (lib/config/feature-groups.ts validates it there). */
  readonly definition: FeatureGroupDefinition;
  /** Physical name, `<project>-<env>-<group>` (`featureGroupName` in lib/naming.ts); unique in the account and region. */
  readonly featureGroupName: string;
  /** Customer-managed key of both stores: the online store, and the offline store's objects. */
  readonly encryptionKey: kms.IKey;
  /** Bucket of the offline store (the curated bucket); not used when the offline store is disabled. */
  readonly offlineStoreBucket: s3.IBucket;
  /**
   * Prefix of the offline store in the bucket, ending in `/`.
   * @default - `feature-store/<group>/`
   */
  readonly offlineStorePrefix?: string;
  /** Glue database the offline store's table is created in; it must exist before the group. */
  readonly databaseName: string;
  /**
   * Name of the offline store's Iceberg table.
   * @default - the group name with underscores for hyphens
   */
  readonly tableName?: string;
  /**
   * What happens to the group (and its online store records) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A SageMaker feature group from config, built on the L1 resource: the online store encrypted with the
 * customer-managed key (optional TTL and in-memory tier), the offline store as an Iceberg table in the Glue
 * catalog over KMS-encrypted objects under one prefix of the curated bucket, and a least-privilege role that
 * SageMaker replicates into the offline store with.
 *
 * The store configs are untyped in aws-cdk-lib, so they are written with CloudFormation's PascalCase keys.
 * `offlineStoreTable` names the table even when the offline store is disabled; check
 * `definition.offlineStore.enabled` before querying it.
 */
export class PlatformFeatureGroup extends Construct implements IPlatformFeatureGroup {
  readonly definition: FeatureGroupDefinition;
  readonly featureGroupName: string;
  /** @attribute */
  readonly featureGroupArn: string;
  readonly offlineStoreTable: { readonly database: string; readonly table: string };
  /** `s3://<bucket>/<prefix>`: where SageMaker writes the offline store. */
  readonly offlineStoreUri: string;
  /** The role SageMaker writes the offline store with; absent without an offline store. */
  readonly offlineStoreRole?: PlatformRole;
  readonly resource: sagemaker.CfnFeatureGroup;

  private readonly encryptionKey: kms.IKey;
  private readonly bucket: s3.IBucket;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: PlatformFeatureGroupProps) {
    super(scope, id);
    const { definition } = props;
    this.definition = definition;
    this.featureGroupName = props.featureGroupName;
    this.encryptionKey = props.encryptionKey;
    this.bucket = props.offlineStoreBucket;
    this.prefix = props.offlineStorePrefix ?? offlineStorePrefix(definition.name);
    this.offlineStoreTable = {
      database: props.databaseName,
      table: props.tableName ?? offlineStoreTableName(definition.name),
    };
    validate(this, props, this.prefix, this.offlineStoreTable.table);

    const stack = Stack.of(this);
    this.featureGroupArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'feature-group',
      // SageMaker spells names in lower case in its ARNs
      resourceName: Token.isUnresolved(props.featureGroupName)
        ? props.featureGroupName
        : props.featureGroupName.toLowerCase(),
    });
    this.offlineStoreUri = this.bucket.s3UrlForObject(this.prefix);

    const online = definition.onlineStore;
    const offline = definition.offlineStore.enabled;
    if (offline) {
      this.offlineStoreRole = new PlatformRole(this, 'OfflineStoreRole', {
        assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
        // SageMaker's confused-deputy guide does not cover Feature Store: bind the keys when they are sent
        sourceBinding: 'ifPresent',
        description: `SageMaker writes the offline store of the ${props.featureGroupName} feature group`,
      });
      this.grantOfflineStoreRole(this.offlineStoreRole);
    }

    this.resource = new sagemaker.CfnFeatureGroup(this, 'Resource', {
      featureGroupName: props.featureGroupName,
      description: definition.description,
      recordIdentifierFeatureName: definition.recordIdentifier,
      eventTimeFeatureName: definition.eventTime,
      featureDefinitions: definition.features.map((f) => ({
        featureName: f.name,
        featureType: SAGEMAKER_FEATURE_TYPES[f.type],
      })),
      onlineStoreConfig: online.enabled
        ? {
            EnableOnlineStore: true,
            StorageType: online.storageType,
            SecurityConfig: { KmsKeyId: this.encryptionKey.keyArn },
            ...(online.ttl ? { TtlDuration: { Unit: online.ttl.unit, Value: online.ttl.value } } : {}),
          }
        : undefined,
      offlineStoreConfig: offline
        ? {
            S3StorageConfig: { S3Uri: this.offlineStoreUri, KmsKeyId: this.encryptionKey.keyArn },
            TableFormat: 'Iceberg',
            // SageMaker creates the Iceberg table under the name given here, so queries know it in advance
            DisableGlueTableCreation: false,
            DataCatalogConfig: {
              Catalog: GLUE_CATALOG,
              Database: this.offlineStoreTable.database,
              TableName: this.offlineStoreTable.table,
            },
          }
        : undefined,
      roleArn: this.offlineStoreRole?.roleArn,
      tags: Object.entries(definition.tags)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => ({ key, value })),
    });
    this.resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    // SageMaker checks that the role can write the offline store when it creates the group
    if (this.offlineStoreRole) this.resource.node.addDependency(this.offlineStoreRole.policy);
  }

  /**
   * Lets the grantee put and delete records: into the online store, and through replication into the offline
   * store. Writes to the online store need the key too.
   */
  grantWrite(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:PutRecord', 'sagemaker:DeleteRecord', 'sagemaker:DescribeFeatureGroup'],
      resourceArns: [this.featureGroupArn],
    });
    if (!this.definition.onlineStore.enabled) return grant;
    return grant.combine(this.encryptionKey.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey'));
  }

  /**
   * Lets the grantee read records from the online store and query the offline store: its Glue table and the
   * objects under its prefix, decrypted with the key. Athena also needs the query engine's `grantQuery`.
   */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    const online = this.definition.onlineStore.enabled;
    let grant = iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'sagemaker:DescribeFeatureGroup',
        ...(online ? ['sagemaker:GetRecord', 'sagemaker:BatchGetRecord'] : []),
      ],
      resourceArns: [this.featureGroupArn],
    }).combine(this.encryptionKey.grantDecrypt(grantee));
    if (this.definition.offlineStore.enabled) {
      grant = grant
        .combine(
          iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [this.offlineObjectsArn()] }),
        )
        .combine(
          iam.Grant.addToPrincipal({
            grantee,
            actions: ['s3:ListBucket'],
            resourceArns: [this.bucket.bucketArn],
            conditions: { StringLike: { 's3:prefix': `${this.prefix}*` } },
          }),
        )
        .combine(
          iam.Grant.addToPrincipal({
            grantee,
            actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
            resourceArns: this.catalogArns(),
          }),
        );
    }
    return grant;
  }

  /** The permissions of AWS's managed feature-store policy, scoped to this group's prefix, table and key. */
  private grantOfflineStoreRole(role: PlatformRole): void {
    iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:GetBucketAcl'], resourceArns: [this.bucket.bucketArn] });
    role.justifyGrant(
      iam.Grant.addToPrincipal({
        grantee: role,
        actions: ['s3:PutObject', 's3:PutObjectAcl', 's3:GetObject'],
        resourceArns: [this.offlineObjectsArn()],
      }),
      "SageMaker writes Parquet data and Iceberg metadata files with generated names, only under this group's offline store prefix",
    );
    this.encryptionKey.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['glue:GetTable', 'glue:UpdateTable'],
      resourceArns: this.catalogArns(),
    });
  }

  private offlineObjectsArn(): string {
    return this.bucket.arnForObjects(`${this.prefix}*`);
  }

  /** The catalog, database and table of the offline store, as Glue's IAM resources. */
  private catalogArns(): string[] {
    const stack = Stack.of(this);
    const { database, table } = this.offlineStoreTable;
    return [
      stack.formatArn({ service: 'glue', resource: 'catalog' }),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: database }),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${database}/${table}` }),
    ];
  }
}

/** Checks the props, collecting every problem, and throws once. Values that are tokens are not checked. */
function validate(scope: Construct, props: PlatformFeatureGroupProps, prefix: string, table: string): void {
  const problems: string[] = [];
  const { definition } = props;

  if (known(props.featureGroupName)) {
    if (props.featureGroupName.length > MAX_FEATURE_GROUP_NAME_LENGTH) {
      problems.push(
        `featureGroupName must be at most ${MAX_FEATURE_GROUP_NAME_LENGTH} characters, got '${props.featureGroupName}' (${props.featureGroupName.length})`,
      );
    } else if (!FEATURE_GROUP_NAME.test(props.featureGroupName)) {
      problems.push(
        `featureGroupName must be letters, digits, hyphens and underscores, starting and ending with a letter or digit, got '${props.featureGroupName}'`,
      );
    }
  }
  const names = definition.features.map((f) => f.name);
  for (const [field, name] of [
    ['recordIdentifier', definition.recordIdentifier],
    ['eventTime', definition.eventTime],
  ] as const) {
    if (!names.includes(name)) problems.push(`${field} '${name}' must be one of the features`);
  }
  if (!definition.onlineStore.enabled && !definition.offlineStore.enabled) {
    problems.push('at least one of the online and the offline store must be enabled');
  }
  if (known(prefix) && (prefix.startsWith('/') || !prefix.endsWith('/'))) {
    problems.push(`offlineStorePrefix must be a folder without a leading '/' and ending in '/', got '${prefix}'`);
  }
  for (const [field, name] of [
    ['databaseName', props.databaseName],
    ['tableName', table],
  ] as const) {
    if (known(name) && !GLUE_NAME.test(name)) {
      problems.push(`${field} must be lowercase letters, digits and underscores, got '${name}'`);
    }
  }
  throwIfInvalid(scope, 'feature group', problems);
}
