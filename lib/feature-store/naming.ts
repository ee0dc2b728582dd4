/**
 * Physical names of the feature store. Training pipelines, Athena queries and notebooks use them, so they are
 * part of the platform's public contract: changing one strands the data written under the old name.
 *
 * Uniqueness: a feature group name must be unique in an account and region. `<project>-<env>-<group>` is, for
 * every environment sharing an account: the project is fixed, environment names contain no hyphen and are
 * unique, and group names are unique in the config.
 */

/** SageMaker's limit on the length of a feature group name. */
export const MAX_FEATURE_GROUP_NAME_LENGTH = 64;

/** The Glue catalog of the account, as SageMaker and Athena name it. */
export const GLUE_CATALOG = 'AwsDataCatalog';

/** Prefix of the curated bucket under which every offline store lives. */
export const OFFLINE_STORE_ROOT = 'feature-store/';

/** Prefix of the artifact bucket that receives the results of Athena queries. */
export const QUERY_RESULTS_PREFIX = 'athena-results/';

/** The feature group in SageMaker: `<project>-<env>-<group>`. */
export function featureGroupName(project: string, environment: string, group: string): string {
  return `${project}-${environment}-${group}`;
}

/** Glue database of one environment's offline stores; Glue and Athena take lowercase letters, digits and `_`. */
export function featureStoreDatabaseName(project: string, environment: string): string {
  return `${project}_${environment}_feature_store`.replace(/-/g, '_');
}

/**
 * The Iceberg table of a group's offline store in the environment's database. Group names hold no `_`, so
 * turning hyphens into underscores keeps table names unique.
 */
export function offlineStoreTableName(group: string): string {
  return group.replace(/-/g, '_');
}

/** Where a group's offline store writes in the curated bucket: one prefix per group. */
export function offlineStorePrefix(group: string): string {
  return `${OFFLINE_STORE_ROOT}${group}/`;
}

/** The Athena workgroup that queries one environment's offline stores. */
export function featureStoreWorkGroupName(project: string, environment: string): string {
  return `${project}-${environment}-feature-store`;
}
