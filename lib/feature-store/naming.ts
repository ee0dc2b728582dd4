// re-exported for lib/constructs/feature-group.ts until it imports lib/naming.ts
export { GLUE_CATALOG, MAX_FEATURE_GROUP_NAME_LENGTH, offlineStorePrefix, offlineStoreTableName } from '../naming';
