/**
 * The maturity ladder: the single source for which capabilities (and so which stacks) each stage of MLOps
 * maturity deploys, and which risk of the five-stage model each stage answers. Docs and tests read it too.
 */

export const MATURITY_STAGES = [1, 2, 3, 4, 5] as const;
export type MaturityStage = (typeof MATURITY_STAGES)[number];

/** Every capability the platform knows, in ladder order. Keys are the names used in `capabilities` of the config. */
export const CAPABILITIES = [
  'dataLake',
  'network',
  'workbench',
  'experimentTracking',
  'modelRegistry',
  'realtimeServing',
  'batchScoring',
  'trainingPipeline',
  'containerRegistry',
  'deliveryPipeline',
  'retrainingTriggers',
  'modelMonitoring',
  'featureStore',
  'continuousDeployment',
  'driftRetraining',
  'modelPortfolio',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface CapabilityDefinition {
  /** What the capability deploys, in one line. */
  readonly summary: string;
  /** Capabilities that must be present too (at the environment's stage or switched on early). */
  readonly requires: readonly Capability[];
  /** Whether the platform has stacks for it yet. Unimplemented capabilities are never synthesized. */
  readonly implemented: boolean;
}

export const CAPABILITY_DEFINITIONS: Readonly<Record<Capability, CapabilityDefinition>> = {
  dataLake: {
    summary: 'KMS keys and encrypted raw, curated, artifact and access-log buckets',
    requires: [],
    implemented: true,
  },
  network: {
    summary: 'private isolated VPC with the endpoints SageMaker needs in VpcOnly mode',
    requires: [],
    implemented: true,
  },
  workbench: {
    summary: 'SageMaker Studio domain (VpcOnly, IAM, KMS), persona roles and user profiles',
    requires: ['dataLake', 'network'],
    implemented: true,
  },
  experimentTracking: {
    summary: 'managed MLflow tracking server storing artifacts in the artifact bucket',
    requires: ['dataLake', 'workbench'],
    implemented: true,
  },
  modelRegistry: {
    summary: 'model package group per model, approved-version parameters, publisher role',
    requires: ['dataLake', 'workbench'],
    implemented: true,
  },
  realtimeServing: {
    summary: 'SageMaker endpoint per model with guardrails, behind an IAM-authorized API',
    requires: ['modelRegistry', 'network'],
    implemented: true,
  },
  batchScoring: {
    summary: 'scheduled batch transform into a partitioned, queryable table',
    requires: ['modelRegistry'],
    implemented: true,
  },
  trainingPipeline: {
    summary: 'SageMaker training pipeline per model built with the typed definition builder',
    requires: ['modelRegistry'],
    implemented: true,
  },
  containerRegistry: {
    summary: 'ECR repositories for custom training and inference images',
    requires: [],
    implemented: true,
  },
  deliveryPipeline: {
    summary: 'self-mutating cross-account CDK pipeline in the tooling account',
    requires: [],
    implemented: true,
  },
  retrainingTriggers: {
    summary: 'scheduled and new-data retraining with a policy (cooldown, daily cap)',
    requires: ['trainingPipeline'],
    implemented: true,
  },
  modelMonitoring: {
    summary: 'Model Monitor schedules, ML alarms and dashboards',
    requires: ['realtimeServing', 'trainingPipeline'],
    implemented: true,
  },
  featureStore: {
    summary: 'feature groups from config with a schema-evolution guard',
    requires: ['dataLake'],
    implemented: true,
  },
  continuousDeployment: {
    summary: 'approved models roll out automatically through canary or linear guardrails',
    requires: ['realtimeServing', 'modelMonitoring'],
    implemented: true,
  },
  driftRetraining: {
    summary: 'drift alarms start retraining, with cooldown and budget',
    requires: ['modelMonitoring', 'retrainingTriggers'],
    implemented: true,
  },
  modelPortfolio: {
    summary: 'inventory and dashboard of every model across environments',
    requires: ['modelRegistry'],
    implemented: true,
  },
};

export interface StageDefinition {
  readonly stage: MaturityStage;
  /** The stage's name in the five-stage model. */
  readonly name: string;
  /** Capabilities this stage adds on top of the stage below it. */
  readonly adds: readonly Capability[];
  /** The risk of the five-stage model that this stage answers. */
  readonly risk: string;
}

export const MATURITY_LADDER: readonly StageDefinition[] = [
  {
    stage: 1,
    name: 'Successful ML pilot',
    adds: ['dataLake', 'network', 'workbench', 'experimentTracking'],
    risk: 'pilots run on limited, ungoverned data on laptops, with no shared, secured place to experiment',
  },
  {
    stage: 2,
    name: 'First deployment',
    adds: ['modelRegistry', 'realtimeServing', 'batchScoring'],
    risk: 'data scientists get swamped running ad-hoc model servers and batch scripts, with no dev/test/prod separation',
  },
  {
    stage: 3,
    name: 'IT does the serving',
    adds: ['trainingPipeline', 'containerRegistry'],
    risk: 'IT rewrites notebooks into production code by hand: rework, training-serving skew and no reuse',
  },
  {
    stage: 4,
    name: 'Continuous integration',
    adds: ['deliveryPipeline', 'retrainingTriggers', 'modelMonitoring', 'featureStore'],
    risk: 'manual deployment and manual retraining, models nobody watches, features duplicated across teams',
  },
  {
    stage: 5,
    name: 'Full automation and monitoring',
    adds: ['continuousDeployment', 'driftRetraining', 'modelPortfolio'],
    risk: 'the organisation loses its edge because every model is still managed one by one',
  },
];

/** Capabilities included at a stage: its own plus everything below it. */
export function capabilitiesAtStage(stage: MaturityStage): Capability[] {
  return MATURITY_LADDER.filter((s) => s.stage <= stage).flatMap((s) => [...s.adds]);
}

/** The stage that first includes a capability. */
export function stageOfCapability(capability: Capability): MaturityStage {
  const found = MATURITY_LADDER.find((s) => s.adds.includes(capability));
  if (!found) throw new Error(`capability '${capability}' is on no stage of the ladder`);
  return found.stage;
}

/** The highest stage whose capabilities (and all below) have stacks. */
export function highestImplementedStage(): MaturityStage {
  let highest: MaturityStage = 1;
  for (const s of MATURITY_LADDER) {
    if (!s.adds.every((c) => CAPABILITY_DEFINITIONS[c].implemented)) break;
    highest = s.stage;
  }
  return highest;
}

export interface ResolvedMaturity {
  /** The stage the config asked for. */
  readonly requested: MaturityStage;
  /** The stage that is synthesized: the requested one, capped at the highest implemented stage. */
  readonly effective: MaturityStage;
  /** Capabilities this environment deploys, in ladder order. */
  readonly capabilities: ReadonlySet<Capability>;
  /** Human-readable notes about anything asked for that is not synthesized. */
  readonly warnings: readonly string[];
}

/**
 * Works out which capabilities an environment deploys. Never silent: whatever was asked for and is not
 * built yet comes back as a warning.
 */
export function resolveMaturity(
  requested: MaturityStage,
  earlyCapabilities: readonly Capability[] = [],
  isImplemented: (capability: Capability) => boolean = (c) => CAPABILITY_DEFINITIONS[c].implemented,
): ResolvedMaturity {
  const warnings: string[] = [];
  const wanted = capabilitiesAtStage(requested);
  const missing = wanted.filter((c) => !isImplemented(c));
  let complete: MaturityStage = 1;
  for (const s of MATURITY_LADDER) {
    if (s.stage > requested || !s.adds.every(isImplemented)) break;
    complete = s.stage;
  }
  if (missing.length > 0) {
    warnings.push(
      `maturity stage ${requested} is not fully implemented yet: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} left out; stage ${complete} is the highest complete stage`,
    );
  }
  const selected = new Set<Capability>(wanted.filter(isImplemented));
  for (const capability of earlyCapabilities) {
    if (selected.has(capability)) continue;
    if (!isImplemented(capability)) {
      warnings.push(`capability '${capability}' is switched on but not implemented yet; it is left out`);
      continue;
    }
    selected.add(capability);
  }
  // a built capability whose prerequisite is not built yet cannot be synthesized either
  for (const { capability, missing: needs } of missingPrerequisites(selected)) {
    selected.delete(capability);
    warnings.push(`capability '${capability}' is left out: it needs ${needs.join(', ')}, which is not implemented yet`);
  }
  const ordered = CAPABILITIES.filter((c) => selected.has(c));
  return { requested, effective: complete, capabilities: new Set(ordered), warnings };
}

/** Prerequisites of the given capabilities that are missing from the set. */
export function missingPrerequisites(selected: ReadonlySet<Capability>): Array<{
  capability: Capability;
  missing: Capability[];
}> {
  const problems: Array<{ capability: Capability; missing: Capability[] }> = [];
  for (const capability of selected) {
    const missing = CAPABILITY_DEFINITIONS[capability].requires.filter((r) => !selected.has(r));
    if (missing.length > 0) problems.push({ capability, missing });
  }
  return problems;
}
