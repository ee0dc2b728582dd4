import type { PlatformConfigInput } from '../../lib/config/schema';

/**
 * Configs that the platform's own tests synthesize. They never come from the shipped config file: a fork edits that
 * file, and only the fork snapshot suite (test/fork/) follows it. Each builder returns a fresh object, so a test
 * may change what it gets.
 */

/** The churn customers group: the feature group of the sample model. */
export function churnFeatureGroup(): NonNullable<PlatformConfigInput['featureGroups']>[number] {
  return {
    name: 'churn-customers',
    description: 'Account and usage features per customer for churn propensity',
    recordIdentifier: 'customer_id',
    eventTime: 'event_time',
    features: [
      { name: 'customer_id', type: 'string' },
      { name: 'event_time', type: 'string' },
      { name: 'tenure_months', type: 'integral' },
      { name: 'monthly_charges', type: 'fractional' },
      { name: 'total_charges', type: 'fractional' },
      { name: 'contract', type: 'string' },
      { name: 'payment_method', type: 'string' },
      { name: 'internet_service', type: 'string' },
      { name: 'support_calls', type: 'integral' },
      { name: 'churned', type: 'integral' },
    ],
  };
}

/** The request columns of the churn model, which its monitoring watches. */
export const CHURN_MONITORED_FEATURES = [
  'tenure_months',
  'monthly_charges',
  'total_charges',
  'contract',
  'payment_method',
  'internet_service',
  'support_calls',
] as const;

/** The churn model (built-in XGBoost), served in real time and in batch, trained from its feature group. */
export function churnModel(): NonNullable<PlatformConfigInput['models']>[number] {
  return {
    name: 'churn',
    description: 'Customer churn propensity from tabular account data, built-in XGBoost',
    serving: 'both',
    container: { framework: 'xgboost', version: '1.7-1' },
    contentTypes: ['text/csv'],
    environments: { dev: { serverless: false } },
    batch: { schedule: 'cron(0 3 * * ? *)', inputPrefix: 'batch-input/churn/' },
    featureGroup: 'churn-customers',
    alarms: { latencyP99Millis: 500 },
    monitoring: { features: [...CHURN_MONITORED_FEATURES] },
    card: { owner: 'churn-team@example.com', riskRating: 'Medium' },
  };
}

/**
 * The reference shape: dev, test and prod in three accounts of eu-west-1, a tooling account, three users (one
 * approver only in test and prod), one model with a feature group. Most platform tests synthesize this.
 */
export function threeEnvironmentConfig(): PlatformConfigInput {
  return {
    project: 'mlops',
    maturity: 1,
    environments: [
      { name: 'dev', account: '111111111111', region: 'eu-west-1' },
      { name: 'test', account: '222222222222', region: 'eu-west-1' },
      { name: 'prod', account: '333333333333', region: 'eu-west-1' },
    ],
    users: [
      { name: 'data-scientist', persona: 'data-scientist' },
      { name: 'ml-engineer', persona: 'ml-engineer' },
      { name: 'model-approver', persona: 'model-approver', environments: ['test', 'prod'] },
    ],
    tooling: { account: '444444444444', region: 'eu-west-1' },
    models: [churnModel()],
    featureGroups: [churnFeatureGroup()],
  };
}

/** Two environments (no test), another project and region: the shape a small company starts with. */
export function devProdConfig(): PlatformConfigInput {
  const base = threeEnvironmentConfig();
  return {
    ...base,
    project: 'acme',
    environments: [
      { name: 'dev', account: '555555555555', region: 'us-east-1' },
      { name: 'prod', account: '666666666666', region: 'us-east-1' },
    ],
    users: [
      { name: 'data-scientist', persona: 'data-scientist' },
      { name: 'approver', persona: 'model-approver', environments: ['prod'] },
    ],
    tooling: { account: '555555555555', region: 'us-east-1' },
  };
}

/** Every environment and the tooling in one account: names and principals must not collide. */
export function singleAccountConfig(): PlatformConfigInput {
  const base = threeEnvironmentConfig();
  return {
    ...base,
    environments: base.environments.map((env) => ({ ...env, account: '111111111111' })),
    tooling: { account: '111111111111', region: 'eu-west-1' },
  };
}

/** The scikit-learn sample (ml/upsell): served in real time, no feature group, columns from its contract. */
export function upsellModel(): NonNullable<PlatformConfigInput['models']>[number] {
  return {
    name: 'upsell',
    description: 'Plan-upgrade propensity per account offer, scikit-learn',
    serving: 'realtime',
    container: { framework: 'sklearn', version: '1.2-1' },
    environments: { dev: { serverless: false } },
    monitoring: {
      features: ['seats', 'monthly_spend', 'usage_ratio', 'months_active', 'plan', 'region', 'billing_cycle'],
    },
    card: { owner: 'growth-team@example.com', riskRating: 'Low' },
  };
}

/** Two models of different frameworks in dev and prod: built-in XGBoost with a feature group, and scikit-learn. */
export function twoFrameworkConfig(): PlatformConfigInput {
  return { ...devProdConfig(), models: [churnModel(), upsellModel()] };
}
