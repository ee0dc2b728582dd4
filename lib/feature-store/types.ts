import type * as iam from 'aws-cdk-lib/aws-iam';
import type { FeatureGroupDefinition } from '../vocabulary';

/** A feature group of the feature store, as the stacks that write to or read from it see it. */
export interface IPlatformFeatureGroup {
  /** The group's definition, as config declares it. */
  readonly definition: FeatureGroupDefinition;
  /** Physical name: `<project>-<environment>-<group>`. */
  readonly featureGroupName: string;
  readonly featureGroupArn: string;
  /** The Glue table of the offline store (Iceberg), which Athena queries. */
  readonly offlineStoreTable: { readonly database: string; readonly table: string };
  /** Lets the grantee put and delete records (online and, through replication, offline store). */
  grantWrite(grantee: iam.IGrantable): iam.Grant;
  /** Lets the grantee read records from the online store and the offline store's table and files. */
  grantRead(grantee: iam.IGrantable): iam.Grant;
}

/** The Athena workgroup that queries offline stores: results KMS-encrypted, settings enforced. */
export interface IFeatureStoreQueryEngine {
  readonly workGroupName: string;
  /** Lets the grantee run queries in the workgroup and read their results. */
  grantQuery(grantee: iam.IGrantable): iam.Grant;
}
