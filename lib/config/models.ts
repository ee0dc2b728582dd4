import { batchRunNamePrefix, type MonitoringScheduleKind, monitoringScheduleName } from '../naming';
import {
  BATCH_DEFAULTS,
  type DeploymentDefaults,
  type EnvironmentKind,
  MODEL_KIND_DEFAULTS,
  PROD_MIN_INSTANCES,
  type ServingDefaults,
} from './defaults';
import type { ModelBudgetConfig, ModelCardConfig, ModelLifecycle } from './portfolio';
import { type ResolvedPromotion, resolvePromotion } from './promotion';
import type { ModelConfig, ServingShapeConfig } from './schema';

/** Default prefix of the raw bucket under which the labels of served requests land, per model. */
export const GROUND_TRUTH_PREFIX = 'ground-truth';

/** Longest name SageMaker accepts for a monitoring schedule. */
const MAX_SCHEDULE_NAME = 63;

/** Longest "<project>-<env>-<model>-" prefix that leaves room for a run id in a 63-character job name. */
const MAX_BATCH_NAME_PREFIX = 51;

/** A model as one environment serves it: every default of the environment kind applied. */
export interface ResolvedModel {
  readonly name: string;
  readonly description?: string;
  readonly realtime: boolean;
  readonly container: ModelConfig['container'];
  readonly contentTypes: readonly string[];
  readonly serving: ServingDefaults;
  readonly deployment?: DeploymentDefaults;
  readonly dataCapturePercent: number;
  readonly alarms: ModelConfig['alarms'];
  /** Model Monitor settings, with the ground-truth prefix resolved. */
  readonly monitoring: ModelConfig['monitoring'] & { readonly groundTruthPrefix: string };
  /** The feature group the training pipeline writes to and reads from. */
  readonly featureGroup?: string;
  readonly training: ModelConfig['training'] & { readonly package: string };
  readonly retraining: ModelConfig['retraining'];
  /** The champion/challenger gate and rollout of new versions (stage 5). */
  readonly promotion: ResolvedPromotion;
  readonly batch?: {
    readonly schedule: string;
    readonly inputPrefix: string;
    readonly outputPrefix: string;
    readonly instanceType: string;
    readonly instanceCount: number;
  };
  /** `retired`: only the registry, cards, lineage and data stay (stage 5, lib/config/portfolio.ts). */
  readonly lifecycle: ModelLifecycle;
  /** Whether this environment has the model's real-time endpoint: false for `endpoint: false` (no idle cost). */
  readonly endpoint: boolean;
  /** @default - no card (synth fails from stage 5) */
  readonly card?: ModelCardConfig;
  /** @default - no budget */
  readonly budget?: ModelBudgetConfig;
}

/**
 * Whether the model's serving, batch schedule, retraining triggers and monitoring exist: an active model. A retired
 * one keeps its registry, training pipeline, cards, lineage and data.
 */
export function isActive(model: Pick<ResolvedModel, 'lifecycle'>): boolean {
  return model.lifecycle === 'active';
}

/** Applies the kind defaults and the environment's overrides to a model. */
export function resolveModel(model: ModelConfig, environmentName: string, kind: EnvironmentKind): ResolvedModel {
  const defaults = MODEL_KIND_DEFAULTS[kind];
  const shape: ServingShapeConfig = model.environments[environmentName] ?? {};
  const serverless = shape.serverless ?? defaults.serving.kind === 'serverless';
  const base = defaults.serving;
  const serving: ServingDefaults = serverless
    ? {
        kind: 'serverless',
        memorySizeInMb: shape.serverlessMemoryMb ?? (base.kind === 'serverless' ? base.memorySizeInMb : 2048),
        maxConcurrency: shape.serverlessMaxConcurrency ?? (base.kind === 'serverless' ? base.maxConcurrency : 5),
      }
    : {
        kind: 'instances',
        instanceType: shape.instanceType ?? (base.kind === 'instances' ? base.instanceType : 'ml.m5.large'),
        minInstances: shape.minInstances ?? (base.kind === 'instances' ? base.minInstances : 1),
        maxInstances:
          shape.maxInstances ?? Math.max(shape.minInstances ?? 1, base.kind === 'instances' ? base.maxInstances : 1),
        targetInvocationsPerInstance:
          shape.targetInvocationsPerInstance ?? (base.kind === 'instances' ? base.targetInvocationsPerInstance : 100),
      };
  return {
    name: model.name,
    description: model.description,
    realtime: model.serving !== 'batch',
    container: model.container,
    contentTypes: model.contentTypes,
    serving,
    deployment: serving.kind === 'instances' ? (defaults.deployment ?? undefined) : undefined,
    dataCapturePercent: model.dataCapturePercent ?? defaults.dataCapturePercent,
    alarms: model.alarms,
    monitoring: {
      ...model.monitoring,
      groundTruthPrefix: model.monitoring.groundTruthPrefix ?? `${GROUND_TRUTH_PREFIX}/${model.name}/`,
    },
    featureGroup: model.featureGroup,
    training: { ...model.training, package: model.training.package ?? model.name.replace(/-/g, '_') },
    retraining: model.retraining,
    promotion: resolvePromotion(model.promotion, model.training.metric, environmentName, kind),
    batch:
      model.batch && model.serving !== 'realtime'
        ? {
            schedule: model.batch.schedule,
            inputPrefix: model.batch.inputPrefix,
            outputPrefix: model.batch.outputPrefix ?? `scores/${model.name}/`,
            instanceType: model.batch.instanceType ?? BATCH_DEFAULTS.instanceType,
            instanceCount: model.batch.instanceCount ?? BATCH_DEFAULTS.instanceCount,
          }
        : undefined,
    lifecycle: model.lifecycle,
    endpoint: shape.endpoint ?? true,
    card: model.card,
    budget: model.budget,
  };
}

/**
 * The most models one config holds. Every environment's Registry stack has a model package group and an
 * approved-version parameter per model, next to about 18 resources of its own, and the platform keeps each stack
 * under 400 of CloudFormation's 500 resources (the margin `npm run check:scale` checks): (400 - 18) / 2 = 191.
 */
export const MAX_MODELS = 190;

/** Problems of the models config that need the environments to judge, each by field path. */
export function modelProblems(
  project: string,
  models: readonly ModelConfig[],
  environments: ReadonlyArray<{ readonly name: string; readonly kind: EnvironmentKind }>,
): string[] {
  const problems: string[] = [];
  if (models.length > MAX_MODELS) {
    problems.push(
      `models: ${models.length} models, above the ${MAX_MODELS} one config holds (each adds a model package group and an approved-version parameter to the Registry stack of every environment, which must stay under CloudFormation's 500 resources); split the models across several platform configs, each with its own project`,
    );
  }
  const names = environments.map((e) => e.name);
  models.forEach((model, i) => {
    if (model.serving !== 'realtime' && !model.batch) {
      problems.push(`models[${i}].batch: required when serving is "${model.serving}"; add a schedule and inputPrefix`);
    }
    if (model.serving === 'realtime' && model.batch) {
      problems.push(`models[${i}].batch: set serving to "both" or "batch" to use it, or remove it`);
    }
    const output = model.batch?.outputPrefix;
    if (model.batch && output?.startsWith(model.batch.inputPrefix)) {
      problems.push(
        `models[${i}].batch.outputPrefix: "${output}" is inside inputPrefix "${model.batch.inputPrefix}", so each run would score the scores of the runs before; use a prefix outside it, such as "scores/${model.name}/"`,
      );
    }
    if (model.batch) {
      // each batch run names its model and transform job "<prefix>-<run>", at most 63 characters
      const longest = Math.max(
        ...environments.map((e) => `${batchRunNamePrefix(project, e.name, model.name)}-`.length),
      );
      if (longest > MAX_BATCH_NAME_PREFIX) {
        problems.push(
          `models[${i}].name: "${model.name}" makes batch job names too long in some environment (${longest} of ${MAX_BATCH_NAME_PREFIX} characters before the run id); shorten the model or project name`,
        );
      }
    }
    for (const [envName, shape] of Object.entries(model.environments)) {
      const field = `models[${i}].environments.${envName}`;
      const env = environments.find((e) => e.name === envName);
      if (!env) {
        problems.push(`${field}: unknown environment "${envName}"; expected one of ${names.join(', ')}`);
        continue;
      }
      const resolved = resolveModel(model, envName, env.kind).serving;
      if (resolved.kind === 'instances' && resolved.maxInstances < resolved.minInstances) {
        problems.push(
          `${field}.maxInstances: must be at least minInstances (${resolved.minInstances}), got ${resolved.maxInstances}`,
        );
      }
      if (env.kind === 'prod' && shape.endpoint === false) {
        problems.push(
          `${field}.endpoint: prod serves every active model from its endpoint, got false; remove it, or retire the model (lifecycle: "retired")`,
        );
      }
      if (env.kind === 'prod' && resolved.kind === 'serverless') {
        problems.push(`${field}.serverless: prod serves from instances across availability zones; remove it`);
      }
      if (env.kind === 'prod' && resolved.kind === 'instances' && resolved.minInstances < PROD_MIN_INSTANCES) {
        problems.push(
          `${field}.minInstances: prod needs at least ${PROD_MIN_INSTANCES} instances to span availability zones, got ${resolved.minInstances}`,
        );
      }
      const instanceFields = ['instanceType', 'minInstances', 'maxInstances', 'targetInvocationsPerInstance'] as const;
      const serverlessFields = ['serverlessMemoryMb', 'serverlessMaxConcurrency'] as const;
      const wrong = resolved.kind === 'serverless' ? instanceFields : serverlessFields;
      for (const key of wrong.filter((k) => shape[k] !== undefined)) {
        problems.push(
          `${field}.${key}: has no effect on ${resolved.kind === 'serverless' ? 'a serverless' : 'an instance-based'} endpoint; remove it or change serverless`,
        );
      }
    }
  });
  return problems;
}

/**
 * Problems of models that model monitoring (stage 4) watches, in the environments where it is on, each by field
 * path.
 */
export function monitoringProblems(
  project: string,
  models: readonly ModelConfig[],
  monitoredEnvironments: readonly string[],
): string[] {
  if (monitoredEnvironments.length === 0) return [];
  const problems: string[] = [];
  models.forEach((model, i) => {
    if (model.serving === 'batch' || !model.monitoring.modelMonitor || model.lifecycle === 'retired') return;
    if (!model.monitoring.features) {
      problems.push(
        `models[${i}].monitoring.features: model monitoring (stage 4) watches the drift of named request columns; list the columns of a request as the data-quality baseline names them, for example ["tenure_months", "contract"]`,
      );
    }
    const kinds: MonitoringScheduleKind[] = [
      'dataQuality',
      'modelQuality',
      ...(model.monitoring.bias ? (['bias'] as const) : []),
      ...(model.monitoring.explainability ? (['explainability'] as const) : []),
    ];
    const longest = Math.max(
      ...monitoredEnvironments.flatMap((env) =>
        kinds.map((kind) => monitoringScheduleName(project, env, model.name, kind).length),
      ),
    );
    if (longest > MAX_SCHEDULE_NAME) {
      problems.push(
        `models[${i}].name: "${model.name}" makes monitoring schedule names too long in some environment (${longest} of ${MAX_SCHEDULE_NAME} characters); shorten the model or project name`,
      );
    }
  });
  return problems;
}

/**
 * Problems of real-time models in environments whose training pipeline registers the versions (stage 3 on),
 * each by field path: those versions are inference pipelines of two containers (the feature transform, then the
 * model), which SageMaker Serverless Inference cannot host.
 */
export function pipelineServingProblems(
  models: readonly ModelConfig[],
  trainedEnvironments: ReadonlyArray<{ readonly name: string; readonly kind: EnvironmentKind }>,
): string[] {
  const problems: string[] = [];
  models.forEach((model, i) => {
    if (model.serving === 'batch') return;
    for (const env of trainedEnvironments) {
      const resolved = resolveModel(model, env.name, env.kind);
      if (resolved.serving.kind !== 'serverless' || !resolved.endpoint || !isActive(resolved)) continue;
      problems.push(
        `models[${i}].environments.${env.name}.serverless: from stage 3 the training pipeline registers each version as an inference pipeline of two containers, which serverless endpoints cannot host; set "serverless": false for ${env.name} (one ml.m5.large instance unless instanceType says otherwise)`,
      );
    }
  });
  return problems;
}
