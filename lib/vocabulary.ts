/**
 * The platform's shared vocabulary: words that the config, the construct library and the feature store all
 * speak. It is a leaf module: it imports nothing from the project, so every layer may import it (docs: DESIGN.md
 * section 5). The config schema is built from these lists and checked against these shapes at compile time.
 */

/** The config file `cdk synth` and the lock command read when `-c config=...` (`--config`) names none. */
export const DEFAULT_CONFIG_PATH = 'config/platform.json';

/** The human personas of the platform, each with its own least-privilege role. */
export const PERSONAS = ['data-scientist', 'ml-engineer', 'model-approver'] as const;
export type Persona = (typeof PERSONAS)[number];

/** Feature types of the SageMaker Feature Store, as the config spells them. */
export const FEATURE_TYPES = ['string', 'integral', 'fractional'] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

/** Storage tiers of a feature group's online store. */
export const ONLINE_STORE_STORAGE_TYPES = ['Standard', 'InMemory'] as const;
export type OnlineStoreStorageType = (typeof ONLINE_STORE_STORAGE_TYPES)[number];

/** Units of an online store's time to live. */
export const TTL_UNITS = ['Seconds', 'Minutes', 'Hours', 'Days', 'Weeks'] as const;
export type TtlUnit = (typeof TTL_UNITS)[number];

/**
 * The definition of one feature group, as the feature group construct and the schema guard need it. The config's
 * `featureGroups[]` (lib/config/feature-groups.ts) validates it and fills in its defaults.
 */
export interface FeatureGroupDefinition {
  /** The group's name, unique in the config; the physical name adds project and environment. */
  readonly name: string;
  /** @default - no description */
  readonly description?: string;
  /** The feature that identifies a record. */
  readonly recordIdentifier: string;
  /** The feature that holds the time of a record. */
  readonly eventTime: string;
  /** Every feature, including the record identifier and the event time. */
  readonly features: ReadonlyArray<{ readonly name: string; readonly type: FeatureType }>;
  readonly onlineStore: {
    readonly enabled: boolean;
    readonly storageType: OnlineStoreStorageType;
    /** @default - records stay until deleted */
    readonly ttl?: { readonly value: number; readonly unit: TtlUnit };
  };
  readonly offlineStore: { readonly enabled: boolean };
  /** Tags of the feature group itself. */
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The platform's own EventBridge events (stage 5): the promotion gate, the rollout, the retraining policy and the
 * portfolio speak this contract. Every event carries `project`, `environment` and `model` in its detail, and
 * `eventTime` (ISO 8601) of what it reports, so a consumer can order events that arrive late or twice.
 */
export const PLATFORM_EVENT_SOURCE = 'mlops.platform';
export const PLATFORM_EVENT_TYPES = {
  /** The champion/challenger gate judged a registered version. */
  promotionVerdict: 'Promotion Verdict',
  /** A rollout of an approved version ended: succeeded, rolled back, or failed. */
  rolloutOutcome: 'Rollout Outcome',
  /** The retraining policy decided to start, or to suppress, a training run. */
  retrainingDecision: 'Retraining Decision',
} as const;
export type PlatformEventType = (typeof PLATFORM_EVENT_TYPES)[keyof typeof PLATFORM_EVENT_TYPES];

/** The cost-allocation tag that names the model a resource belongs to (ADR 0030): activate it in Billing. */
export const MODEL_TAG_KEY = 'model';

/**
 * Engines that measure drift and quality for the retraining loop (stage 5, `models[].monitoring.engine`): the
 * platform's own scheduled drift job, or SageMaker Model Monitor (closed to new customers; ADR 0025).
 */
export const MONITORING_ENGINES = ['platform', 'modelMonitor'] as const;
export type MonitoringEngine = (typeof MONITORING_ENGINES)[number];

/**
 * The drift metric contract (stage 5, docs/stage-5-continuous-training.md): what the platform's drift job
 * (ml/mlops_shared/drift.py, whose constants a test keeps equal to these) publishes once per window. The alarms,
 * the dashboard and the retraining loop read only these names. Every metric has the dimensions `Environment` and
 * `Model`; `FeaturePSI` and `FeatureKS` also `Feature`, `LiveQuality` also `Metric`.
 */
export const DRIFT_METRICS = {
  namespace: 'MLOps/ModelDrift',
  dimensions: { environment: 'Environment', model: 'Model', feature: 'Feature', metric: 'Metric' },
  names: {
    /** Records judged in the window. */
    samples: 'Samples',
    /** 1 when the window had fewer records than the minimum: no distance is computed, DataDrift is 0. */
    insufficientData: 'InsufficientData',
    featurePsi: 'FeaturePSI',
    featureKs: 'FeatureKS',
    maxFeaturePsi: 'MaxFeaturePSI',
    driftedFeatures: 'DriftedFeatures',
    predictionPsi: 'PredictionPSI',
    /** 1 when a feature's or the predictions' PSI reached the threshold, else 0: a violating window. */
    dataDrift: 'DataDrift',
    missingValueViolations: 'MissingValueViolations',
    schemaViolations: 'SchemaViolations',
    groundTruthSamples: 'GroundTruthSamples',
    liveQuality: 'LiveQuality',
    /** 1 when the live training metric fell below its minimum with enough ground truth, else 0. */
    qualityViolation: 'QualityViolation',
  },
} as const;

/** What started a run of the model-building pipeline: its `TriggerReason` parameter, the start of its value. */
export const TRIGGER_REASONS = ['schedule', 'new-data', 'drift', 'quality', 'manual'] as const;
export type TriggerReason = (typeof TRIGGER_REASONS)[number];
