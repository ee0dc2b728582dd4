import { RESERVED_FEATURE_NAMES } from '../../lib/config/feature-groups';
import { resolveConfig } from '../../lib/config/loader';
import { problemsOf } from '../support/config';

const env = (name: string) => ({ name, account: '111111111111', region: 'eu-west-1' });

/** A valid group: the record identifier and the event time are declared features of allowed types. */
const churn = (overrides: Record<string, unknown> = {}) => ({
  name: 'churn-customers',
  recordIdentifier: 'customer_id',
  eventTime: 'event_time',
  features: [
    { name: 'customer_id', type: 'string' },
    { name: 'event_time', type: 'string' },
    { name: 'tenure_months', type: 'integral' },
  ],
  ...overrides,
});

const configWith = (groups: unknown[], extra: Record<string, unknown> = {}) => ({
  project: 'acme',
  environments: [env('dev'), env('prod')],
  featureGroups: groups,
  ...extra,
});

const problemsWith = (groups: unknown[], extra: Record<string, unknown> = {}) =>
  problemsOf(() => resolveConfig(configWith(groups, extra)));

describe('a valid feature group', () => {
  test('GIVEN a group with the defaults WHEN resolved THEN every environment gets it with both stores, Standard tier, no tags', () => {
    // WHEN
    const config = resolveConfig(configWith([churn()]));

    // THEN
    for (const environment of config.environments) {
      expect(environment.featureGroups).toEqual([
        expect.objectContaining({
          name: 'churn-customers',
          onlineStore: { enabled: true, storageType: 'Standard' },
          offlineStore: { enabled: true },
          tags: {},
        }),
      ]);
    }
  });

  test('GIVEN an integral record identifier and a fractional event time THEN it is accepted', () => {
    const group = churn({
      features: [
        { name: 'customer_id', type: 'integral' },
        { name: 'event_time', type: 'fractional' },
      ],
    });
    expect(resolveConfig(configWith([group])).config.featureGroups).toHaveLength(1);
  });

  test('GIVEN an online-only InMemory group with a TTL THEN it is accepted, with KMS on its one store', () => {
    const group = churn({
      onlineStore: { enabled: true, storageType: 'InMemory', ttl: { value: 7, unit: 'Days' } },
      offlineStore: { enabled: false },
    });
    expect(resolveConfig(configWith([group])).config.featureGroups[0]?.onlineStore.storageType).toBe('InMemory');
  });
});

describe('the record identifier and the event time', () => {
  test('GIVEN a record identifier that is no declared feature THEN the problem names the field and the fix', () => {
    expect(problemsWith([churn({ recordIdentifier: 'account_id' })])).toEqual([
      'featureGroups[0].recordIdentifier: "account_id" is not one of features[].name; declare it in features with type string or integral',
    ]);
  });

  test('GIVEN a fractional record identifier THEN the problem points at the type of that feature', () => {
    const group = churn({
      features: [
        { name: 'event_time', type: 'string' },
        { name: 'customer_id', type: 'fractional' },
      ],
    });
    expect(problemsWith([group])).toEqual([
      'featureGroups[0].features[1].type: the record identifier "customer_id" must be string or integral, got fractional; change its type or pick another feature',
    ]);
  });

  test('GIVEN an undeclared or integral event time THEN each is a problem', () => {
    expect(problemsWith([churn({ eventTime: 'updated_at' })])).toEqual([
      'featureGroups[0].eventTime: "updated_at" is not one of features[].name; declare it in features with type string or fractional',
    ]);
    const integral = churn({
      features: [
        { name: 'customer_id', type: 'string' },
        { name: 'event_time', type: 'integral' },
      ],
    });
    expect(problemsWith([integral])).toEqual([
      'featureGroups[0].features[1].type: the event time "event_time" must be string or fractional, got integral; change its type or pick another feature',
    ]);
  });

  test('GIVEN the same feature as record identifier and event time THEN it is refused', () => {
    expect(problemsWith([churn({ eventTime: 'customer_id' })])).toEqual([
      'featureGroups[0].eventTime: "customer_id" is also the record identifier; use a separate feature for the event time',
    ]);
  });
});

describe('feature names', () => {
  test('GIVEN a feature declared twice THEN the second is the problem', () => {
    const group = churn();
    group.features = [...group.features, { name: 'tenure_months', type: 'fractional' }];
    expect(problemsWith([group])).toEqual([
      'featureGroups[0].features[3].name: duplicate feature name "tenure_months" (also features[2]); remove one',
    ]);
  });

  test('GIVEN two names that differ only by case THEN they clash in the offline store', () => {
    const group = churn();
    group.features = [...group.features, { name: 'Tenure_Months', type: 'integral' }];
    expect(problemsWith([group])).toEqual([
      'featureGroups[0].features[3].name: "Tenure_Months" differs from features[2] "tenure_months" only by case, and the offline store\'s Glue columns ignore case; rename one',
    ]);
  });

  test.each(RESERVED_FEATURE_NAMES)('GIVEN a feature named %s THEN it is refused as reserved', (name) => {
    const group = churn();
    group.features = [...group.features, { name, type: 'string' }];
    expect(problemsWith([group])).toEqual([
      `featureGroups[0].features[3].name: "${name}" is reserved: SageMaker adds is_deleted, write_time, api_invocation_time to every record; rename the feature`,
    ]);
  });

  test('GIVEN a feature name longer than 64 characters THEN it is refused', () => {
    const long = `a${'_b'.repeat(40)}`;
    const group = churn();
    group.features = [...group.features, { name: long, type: 'string' }];
    expect(problemsWith([group])).toEqual([
      `featureGroups[0].features[3].name: at most 64 characters, got ${long.length} ("${long}")`,
    ]);
  });
});

describe('stores', () => {
  test('GIVEN both stores disabled THEN SageMaker would refuse it, so the config does', () => {
    const group = churn({ onlineStore: { enabled: false }, offlineStore: { enabled: false } });
    expect(problemsWith([group])).toEqual([
      'featureGroups[0].onlineStore.enabled: the online and the offline store are both disabled, which SageMaker refuses; enable at least one',
    ]);
  });

  test('GIVEN a TTL or the InMemory tier without an online store THEN each is refused', () => {
    const group = churn({ onlineStore: { enabled: false, storageType: 'InMemory', ttl: { value: 1, unit: 'Days' } } });
    expect(problemsWith([group])).toEqual([
      'featureGroups[0].onlineStore.ttl: expires records of the online store, which is disabled; remove ttl or set onlineStore.enabled to true',
      'featureGroups[0].onlineStore.storageType: "InMemory" is a tier of the online store, which is disabled; remove storageType or set onlineStore.enabled to true',
    ]);
  });

  test('GIVEN the InMemory tier with an offline store THEN it is refused: SageMaker does not replicate it', () => {
    const group = churn({ onlineStore: { enabled: true, storageType: 'InMemory' } });
    expect(problemsWith([group])).toEqual([
      'featureGroups[0].offlineStore.enabled: SageMaker does not replicate an InMemory online store into an offline store; set offlineStore.enabled to false, or onlineStore.storageType to "Standard"',
    ]);
  });
});

describe('tags and names', () => {
  test('GIVEN a tag key the platform sets, or a value CloudFormation refuses THEN each is named', () => {
    const group = churn({ tags: { project: 'other', team: 'ml#1' } });
    expect(problemsWith([group])).toEqual([
      'featureGroups[0].tags.project: the platform sets this tag on every resource; use another key',
      'featureGroups[0].tags.team: the value may hold letters, digits, spaces and _ . : / = + - @ only, got "ml#1"',
    ]);
  });

  test('GIVEN more tags than leave room for the platform tags THEN it is refused', () => {
    const tags = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`tag${i}`, 'x']));
    expect(problemsWith([churn({ tags })])).toEqual([
      'featureGroups[0].tags: at most 48 tags (SageMaker allows 50, the platform adds project and environment), got 49',
    ]);
  });

  test('GIVEN a group name that makes the physical name too long in the longest environment THEN it is refused once', () => {
    const name = `churn-${'x'.repeat(34)}`;
    const problems = problemsWith([churn({ name })], {
      project: 'acme-analytics',
      environments: [env('dev'), { ...env('production1'), kind: 'prod' }],
    });
    expect(problems).toEqual([
      `featureGroups[0].name: in environment "production1" the feature group would be "acme-analytics-production1-${name}", 67 characters where SageMaker allows 64; shorten the group name`,
    ]);
  });

  test('GIVEN two groups with one name THEN the second is a duplicate', () => {
    expect(problemsWith([churn(), churn()])).toEqual([
      'featureGroups[1].name: duplicate feature group name "churn-customers" (also featureGroups[0])',
    ]);
  });
});

describe('models[].featureGroup', () => {
  const model = (featureGroup: string) => ({ name: 'churn', featureGroup });

  test('GIVEN an unknown group THEN the model names the groups that exist', () => {
    expect(problemsWith([churn()], { models: [model('customers')] })).toEqual([
      'models[0].featureGroup: unknown feature group "customers"; expected one of featureGroups[].name (churn-customers)',
    ]);
  });

  test('GIVEN a group without an offline store THEN the training pipeline could not read it', () => {
    const group = churn({ offlineStore: { enabled: false } });
    expect(problemsWith([group], { models: [model('churn-customers')] })).toEqual([
      'models[0].featureGroup: "churn-customers" has no offline store, which the training pipeline reads its training data from; pick a group with offlineStore.enabled true',
    ]);
  });
});
