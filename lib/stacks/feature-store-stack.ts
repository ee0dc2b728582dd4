import { RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PlatformFeatureGroup } from '../constructs/feature-group';
import { throwIfInvalid } from '../constructs/validation';
import type { IFeatureStoreQueryEngine } from '../feature-store/types';
import { featureGroupName, featureStoreDatabaseName, featureStoreWorkGroupName, QUERY_RESULTS_PREFIX } from '../naming';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

/** Athena's engine that reads Iceberg tables; pinned so an AWS default change cannot alter query results. */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

/** Bytes one query may scan before Athena cancels it, unless the stack says otherwise. */
export const DEFAULT_QUERY_BYTES_SCANNED_CUTOFF = Size.gibibytes(10);

/** Athena's smallest cutoff. */
const MIN_QUERY_BYTES_SCANNED_CUTOFF = Size.mebibytes(10);

export interface FeatureStoreQueryEngineProps {
  /** Name of the Athena workgroup (lib/naming.ts). */
  readonly workGroupName: string;
  /** Bucket that receives the query results (the artifact bucket). */
  readonly resultsBucket: s3.IBucket;
  /**
   * Prefix of the results in the bucket, ending in `/`.
   * @default 'athena-results/'
   */
  readonly resultsPrefix?: string;
  /** Customer-managed key the results are encrypted with (the results bucket's key). */
  readonly resultsKey: kms.IKey;
  /**
   * Bytes a query may scan before Athena cancels it.
   * @default 10 GiB
   */
  readonly bytesScannedCutoff?: Size;
  /**
   * Whether deleting the workgroup also deletes its saved queries.
   * @default false
   */
  readonly deleteSavedQueries?: boolean;
}

/**
 * The Athena workgroup of the offline stores. Its settings are enforced, so every query writes KMS-encrypted
 * results under one prefix, runs on the pinned engine and stops at the bytes-scanned cutoff, whatever the client
 * asks for.
 */
export class FeatureStoreQueryEngine extends Construct implements IFeatureStoreQueryEngine {
  readonly workGroupName: string;
  /** @attribute */
  readonly workGroupArn: string;
  readonly resource: athena.CfnWorkGroup;

  private readonly resultsBucket: s3.IBucket;
  private readonly resultsPrefix: string;
  private readonly resultsKey: kms.IKey;

  constructor(scope: Construct, id: string, props: FeatureStoreQueryEngineProps) {
    super(scope, id);
    this.workGroupName = props.workGroupName;
    this.resultsBucket = props.resultsBucket;
    this.resultsPrefix = props.resultsPrefix ?? QUERY_RESULTS_PREFIX;
    this.resultsKey = props.resultsKey;
    const cutoff = props.bytesScannedCutoff ?? DEFAULT_QUERY_BYTES_SCANNED_CUTOFF;
    validateQueryEngine(this, props, this.resultsPrefix, cutoff);

    const stack = Stack.of(this);
    this.workGroupArn = stack.formatArn({
      service: 'athena',
      resource: 'workgroup',
      resourceName: props.workGroupName,
    });
    this.resource = new athena.CfnWorkGroup(this, 'Resource', {
      name: props.workGroupName,
      description: 'Queries the offline stores of the feature store',
      state: 'ENABLED',
      recursiveDeleteOption: props.deleteSavedQueries ?? false,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        bytesScannedCutoffPerQuery: cutoff.toBytes(),
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        resultConfiguration: {
          outputLocation: this.resultsBucket.s3UrlForObject(this.resultsPrefix),
          expectedBucketOwner: stack.account,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.resultsKey.keyArn },
        },
      },
    });
  }

  /**
   * Lets the grantee run queries in the workgroup and read their results. Reading a feature group's table needs
   * the group's `grantRead` as well.
   */
  grantQuery(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'athena:GetWorkGroup',
        'athena:StartQueryExecution',
        'athena:StopQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
      ],
      resourceArns: [this.workGroupArn],
    })
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          // Athena writes the results with the caller's credentials, in parts for large results
          actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resourceArns: [this.resultsBucket.arnForObjects(`${this.resultsPrefix}*`)],
        }),
      )
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['s3:GetBucketLocation', 's3:ListBucket'],
          resourceArns: [this.resultsBucket.bucketArn],
        }),
      )
      .combine(this.resultsKey.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey'));
  }
}

function validateQueryEngine(scope: Construct, props: FeatureStoreQueryEngineProps, prefix: string, cutoff: Size) {
  const problems: string[] = [];
  if (!Token.isUnresolved(props.workGroupName) && !/^[a-zA-Z0-9._-]{1,128}$/.test(props.workGroupName)) {
    problems.push(`workGroupName must be 1-128 letters, digits, '.', '_' and '-', got '${props.workGroupName}'`);
  }
  if (!Token.isUnresolved(prefix) && (prefix.startsWith('/') || !prefix.endsWith('/'))) {
    problems.push(`resultsPrefix must be a folder without a leading '/' and ending in '/', got '${prefix}'`);
  }
  if (!cutoff.isUnresolved() && cutoff.toBytes() < MIN_QUERY_BYTES_SCANNED_CUTOFF.toBytes()) {
    problems.push(`bytesScannedCutoff must be at least 10 MiB, got ${cutoff.toBytes()} bytes`);
  }
  throwIfInvalid(scope, 'query engine', problems);
}

export interface FeatureStoreStackProps extends PlatformStackProps {
  /** Holds the offline stores, under `feature-store/`. */
  readonly curatedDataBucket: s3.IBucket;
  /** Holds the Athena query results, under `athena-results/`. */
  readonly artifactsBucket: s3.IBucket;
  /** Encrypts both stores of every group (the curated bucket's key). */
  readonly dataKey: kms.IKey;
  /** Encrypts the query results (the artifact bucket's key). */
  readonly artifactsKey: kms.IKey;
  /**
   * Bytes one Athena query may scan before it is cancelled.
   * @default 10 GiB
   */
  readonly queryBytesScannedCutoff?: Size;
}

/**
 * Stage 4, the feature store: one SageMaker feature group per entry of `featureGroups` in config, the Glue
 * database of their offline stores and the Athena workgroup that queries them. Groups are RETAINed outside dev.
 */
export class FeatureStoreStack extends PlatformStack {
  /** Glue database of the environment's offline stores. */
  readonly database: glue.CfnDatabase;
  readonly queryEngine: FeatureStoreQueryEngine;
  /** The feature groups, by group name (featureGroups[].name). */
  readonly groups: ReadonlyMap<string, PlatformFeatureGroup>;

  constructor(scope: Construct, id: string, props: FeatureStoreStackProps) {
    super(scope, id, props);
    const { project, envConfig } = this;
    const removalPolicy = this.statefulRemovalPolicy;

    const databaseName = featureStoreDatabaseName(project, envConfig.name);
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: this.account,
      databaseInput: {
        name: databaseName,
        description: `Offline stores of the feature groups of ${project} ${envConfig.name} (Iceberg tables)`,
      },
    });
    this.database.applyRemovalPolicy(removalPolicy);

    this.queryEngine = new FeatureStoreQueryEngine(this, 'QueryEngine', {
      workGroupName: featureStoreWorkGroupName(project, envConfig.name),
      resultsBucket: props.artifactsBucket,
      resultsKey: props.artifactsKey,
      bytesScannedCutoff: props.queryBytesScannedCutoff,
      deleteSavedQueries: removalPolicy === RemovalPolicy.DESTROY,
    });

    const groups = new Map<string, PlatformFeatureGroup>();
    for (const definition of envConfig.featureGroups) {
      // the construct id is the group name, so logical ids never depend on the order in config
      const group = new PlatformFeatureGroup(this, definition.name, {
        definition,
        featureGroupName: featureGroupName(project, envConfig.name, definition.name),
        encryptionKey: props.dataKey,
        offlineStoreBucket: props.curatedDataBucket,
        databaseName,
        removalPolicy,
      });
      // SageMaker creates the offline store's table in the database
      group.node.addDependency(this.database);
      groups.set(definition.name, group);
    }
    this.groups = groups;
  }
}
