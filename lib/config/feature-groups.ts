import { z } from 'zod';
import { quoted, resourceName } from './fields';

/**
 * The schema of `featureGroups[]`: one definition of each feature group, shared by every environment. Most of
 * it is create-only in SageMaker, which is why lib/feature-store/schema-guard.ts compares it with the lock file.
 */

/** Feature types of the SageMaker Feature Store, as the config spells them. */
export const FEATURE_TYPES = ['string', 'integral', 'fractional'] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

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
    unit: z.enum(['Seconds', 'Minutes', 'Hours', 'Days', 'Weeks']),
  })
  .describe('How long a record stays in the online store after its event time.');

const onlineStore = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve the latest record per id with low latency.'),
    storageType: z
      .enum(['Standard', 'InMemory'])
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
      .record(z.string().regex(/^(?!aws:)[\w .:/=+\-@]{1,128}$/), z.string().max(256))
      .default({})
      .describe('Tags of the feature group. Create-only: changing them needs a new feature group.'),
  })
  .describe('A feature group of the feature store (stage 4), the same in every environment.');

type FeatureGroupInput = z.output<typeof featureGroup>;

/** Problems of `featureGroups[]` and of the models' references to them, each by field path. */
export function featureGroupProblems(
  groups: readonly FeatureGroupInput[],
  models: ReadonlyArray<{ readonly featureGroup?: string }>,
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
  });
  models.forEach((m, i) => {
    if (m.featureGroup !== undefined && !names.includes(m.featureGroup)) {
      problems.push(
        `models[${i}].featureGroup: unknown feature group "${m.featureGroup}"; expected one of featureGroups[].name (${names.join(', ') || 'none declared'})`,
      );
    }
  });
  return problems;
}
