import { z } from 'zod';
import { featureGroupName, MAX_FEATURE_GROUP_NAME_LENGTH } from '../naming';
import { FEATURE_TYPES, type FeatureType, ONLINE_STORE_STORAGE_TYPES, TTL_UNITS } from '../vocabulary';
import { quoted, resourceName } from './fields';

/**
 * The schema of `featureGroups[]`: one definition of each feature group, shared by every environment. Most of
 * it is create-only in SageMaker, which is why lib/feature-store/schema-guard.ts compares it with the lock file.
 */

export { FEATURE_TYPES, type FeatureType } from '../vocabulary';

const featureName = z.string().regex(/^[a-zA-Z0-9]([-_]*[a-zA-Z0-9]){0,63}$/, {
  error: (iss) =>
    `expected a feature name of letters, digits, hyphens and underscores (at most 64, starting with a letter or digit), got ${quoted(iss.input)}`,
});

const feature = z.strictObject({
  name: featureName,
  type: z.enum(FEATURE_TYPES).describe('string, integral or fractional.'),
});

const ttl = z
  .strictObject({
    value: z.int().min(1),
    unit: z.enum(TTL_UNITS),
  })
  .describe('How long a record stays in the online store after its event time.');

const onlineStore = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve the latest record per id with low latency.'),
    storageType: z
      .enum(ONLINE_STORE_STORAGE_TYPES)
      .default('Standard')
      .describe('Standard, or the in-memory tier for single-digit millisecond reads.'),
    ttl: ttl.optional(),
  })
  .describe('The online store: latest record per record identifier, KMS-encrypted.');

const offlineStore = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Keep every record version in S3 as an Iceberg table.'),
  })
  .describe('The offline store: every record version in the curated bucket, an Iceberg table in the Glue catalog.');

export const featureGroup = z
  .strictObject({
    name: resourceName('feature group name', 40),
    description: z.string().max(128).optional().describe('Create-only: changing it needs a new feature group.'),
    recordIdentifier: featureName.describe('The feature that identifies a record (string or integral).'),
    eventTime: featureName.describe('The feature that holds the time of a record (string ISO-8601 or fractional).'),
    features: z
      .array(feature)
      .min(1)
      .describe('Every feature, including the record identifier and the event time. Features may only be appended.'),
    onlineStore: onlineStore.default({ enabled: true, storageType: 'Standard' }),
    offlineStore: offlineStore.default({ enabled: true }),
    tags: z
      .record(
        z.string().regex(/^(?!aws:)[\w .:/=+\-@]{1,128}$/, {
          error: (iss) =>
            `expected a tag key of 1 to 128 letters, digits, spaces and _ . : / = + - @, not starting with "aws:", got ${quoted(iss.input)}`,
        }),
        z.string().max(256),
      )
      .default({})
      .describe('Tags of the feature group. Create-only: changing them needs a new feature group.'),
  })
  .describe('A feature group of the feature store (stage 4), the same in every environment.');

type FeatureGroupInput = z.output<typeof featureGroup>;

/** Names SageMaker adds to every record of the offline store, which no feature may take. */
export const RESERVED_FEATURE_NAMES = ['is_deleted', 'write_time', 'api_invocation_time'] as const;

/** Types SageMaker accepts for the record identifier and for the event time. */
const RECORD_IDENTIFIER_TYPES: readonly FeatureType[] = ['string', 'integral'];
const EVENT_TIME_TYPES: readonly FeatureType[] = ['string', 'fractional'];

/** SageMaker's limits: feature definitions per group, and tags per resource. */
const MAX_FEATURES = 2500;
const MAX_TAGS = 50;
/** Tags the platform puts on every resource (lib/tagging.ts); a group's own tags may not take their keys. */
const PLATFORM_TAG_KEYS = ['project', 'environment'];
/** Characters CloudFormation accepts in a tag value of a feature group. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Where the physical names go: the project and every environment a group is created in. */
export interface FeatureGroupNaming {
  readonly project: string;
  readonly environments: readonly string[];
}

/**
 * Problems of `featureGroups[]` and of the models' references to them, each by field path, with the fix. The
 * rules are those SageMaker enforces when it creates a group, found here at synth instead of halfway through a
 * deployment, plus the platform's own: room for its tags, and an offline store for every group a model trains from.
 */
export function featureGroupProblems(
  groups: readonly FeatureGroupInput[],
  models: ReadonlyArray<{
    readonly featureGroup?: string;
    readonly monitoring?: { readonly features?: readonly string[] };
  }>,
  naming?: FeatureGroupNaming,
): string[] {
  const problems: string[] = [];
  const names = groups.map((g) => g.name);
  groups.forEach((g, i) => {
    const first = names.indexOf(g.name);
    if (first !== i) {
      problems.push(
        `featureGroups[${i}].name: duplicate feature group name "${g.name}" (also featureGroups[${first}])`,
      );
    }
    problems.push(...groupProblems(g, `featureGroups[${i}]`, naming));
  });
  models.forEach((m, i) => {
    if (m.featureGroup === undefined) return;
    const group = groups.find((g) => g.name === m.featureGroup);
    if (!group) {
      problems.push(
        `models[${i}].featureGroup: unknown feature group "${m.featureGroup}"; expected one of featureGroups[].name (${names.join(', ') || 'none declared'})`,
      );
    } else if (!group.offlineStore.enabled) {
      problems.push(
        `models[${i}].featureGroup: "${m.featureGroup}" has no offline store, which the training pipeline reads its training data from; pick a group with offlineStore.enabled true`,
      );
    }
    if (group) problems.push(...monitoredFeatureProblems(group, m.monitoring?.features ?? [], `models[${i}]`));
  });
  return problems;
}

/**
 * The monitored request columns of a model trained from `group` must be features of the group, other than its
 * record identifier and event time (which are not model inputs): monitoring watches the columns the data-quality
 * baseline names, and that baseline comes from the group's features.
 */
function monitoredFeatureProblems(group: FeatureGroupInput, features: readonly string[], field: string): string[] {
  const allowed = group.features
    .map((f) => f.name)
    .filter((name) => name !== group.recordIdentifier && name !== group.eventTime);
  const problems: string[] = [];
  features.forEach((name, j) => {
    const at = `${field}.monitoring.features[${j}]`;
    if (name === group.recordIdentifier || name === group.eventTime) {
      const role = name === group.recordIdentifier ? 'record identifier' : 'event time';
      problems.push(
        `${at}: "${name}" is the ${role} of feature group "${group.name}", not a model input; remove it, or use one of ${allowed.join(', ')}`,
      );
    } else if (!allowed.includes(name)) {
      problems.push(
        `${at}: "${name}" is not a feature of feature group "${group.name}"; expected one of ${allowed.join(', ')}`,
      );
    }
    const first = features.indexOf(name);
    if (first !== j)
      problems.push(`${at}: duplicate feature "${name}" (also monitoring.features[${first}]); remove one`);
  });
  return problems;
}

function groupProblems(group: FeatureGroupInput, field: string, naming: FeatureGroupNaming | undefined): string[] {
  const problems: string[] = [];
  const features = group.features;

  if (features.length > MAX_FEATURES) {
    problems.push(`${field}.features: SageMaker allows at most ${MAX_FEATURES} features, got ${features.length}`);
  }
  features.forEach((f, j) => {
    const at = `${field}.features[${j}]`;
    if (f.name.length > 64) {
      problems.push(`${at}.name: at most 64 characters, got ${f.name.length} ("${f.name}")`);
    }
    if ((RESERVED_FEATURE_NAMES as readonly string[]).includes(f.name.toLowerCase())) {
      problems.push(
        `${at}.name: "${f.name}" is reserved: SageMaker adds ${RESERVED_FEATURE_NAMES.join(', ')} to every record; rename the feature`,
      );
    }
    // Glue columns are case-insensitive: two names that differ only by case clash in the offline store
    const first = features.findIndex((other) => other.name.toLowerCase() === f.name.toLowerCase());
    if (first !== j) {
      const same = features[first]?.name === f.name;
      problems.push(
        same
          ? `${at}.name: duplicate feature name "${f.name}" (also features[${first}]); remove one`
          : `${at}.name: "${f.name}" differs from features[${first}] "${features[first]?.name}" only by case, and the offline store's Glue columns ignore case; rename one`,
      );
    }
  });

  const special = [
    ['recordIdentifier', group.recordIdentifier, RECORD_IDENTIFIER_TYPES, 'the record identifier'],
    ['eventTime', group.eventTime, EVENT_TIME_TYPES, 'the event time'],
  ] as const;
  for (const [key, name, allowed, role] of special) {
    const j = features.findIndex((f) => f.name === name);
    const feature = features[j];
    if (!feature) {
      problems.push(
        `${field}.${key}: "${name}" is not one of features[].name; declare it in features with type ${allowed.join(' or ')}`,
      );
    } else if (!allowed.includes(feature.type)) {
      problems.push(
        `${field}.features[${j}].type: ${role} "${name}" must be ${allowed.join(' or ')}, got ${feature.type}; change its type or pick another feature`,
      );
    }
  }
  if (group.recordIdentifier === group.eventTime) {
    problems.push(
      `${field}.eventTime: "${group.eventTime}" is also the record identifier; use a separate feature for the event time`,
    );
  }

  const online = group.onlineStore;
  if (!online.enabled && !group.offlineStore.enabled) {
    problems.push(
      `${field}.onlineStore.enabled: the online and the offline store are both disabled, which SageMaker refuses; enable at least one`,
    );
  }
  if (online.ttl && !online.enabled) {
    problems.push(
      `${field}.onlineStore.ttl: expires records of the online store, which is disabled; remove ttl or set onlineStore.enabled to true`,
    );
  }
  if (online.storageType === 'InMemory' && !online.enabled) {
    problems.push(
      `${field}.onlineStore.storageType: "InMemory" is a tier of the online store, which is disabled; remove storageType or set onlineStore.enabled to true`,
    );
  }
  if (online.storageType === 'InMemory' && online.enabled && group.offlineStore.enabled) {
    problems.push(
      `${field}.offlineStore.enabled: SageMaker does not replicate an InMemory online store into an offline store; set offlineStore.enabled to false, or onlineStore.storageType to "Standard"`,
    );
  }

  const tagKeys = Object.keys(group.tags);
  for (const key of tagKeys) {
    if (PLATFORM_TAG_KEYS.includes(key)) {
      problems.push(`${field}.tags.${key}: the platform sets this tag on every resource; use another key`);
    }
    const value = group.tags[key] ?? '';
    if (!TAG_VALUE.test(value)) {
      problems.push(
        `${field}.tags.${key}: the value may hold letters, digits, spaces and _ . : / = + - @ only, got ${JSON.stringify(value)}`,
      );
    }
  }
  const room = MAX_TAGS - PLATFORM_TAG_KEYS.length;
  if (tagKeys.length > room) {
    problems.push(
      `${field}.tags: at most ${room} tags (SageMaker allows ${MAX_TAGS}, the platform adds ${PLATFORM_TAG_KEYS.join(' and ')}), got ${tagKeys.length}`,
    );
  }

  // the longest environment name gives the longest physical name
  const environment = [...(naming?.environments ?? [])].sort((a, b) => b.length - a.length)[0];
  if (naming && environment !== undefined) {
    const physical = featureGroupName(naming.project, environment, group.name);
    if (physical.length > MAX_FEATURE_GROUP_NAME_LENGTH) {
      problems.push(
        `${field}.name: in environment "${environment}" the feature group would be "${physical}", ${physical.length} characters where SageMaker allows ${MAX_FEATURE_GROUP_NAME_LENGTH}; shorten the group name`,
      );
    }
  }
  return problems;
}
