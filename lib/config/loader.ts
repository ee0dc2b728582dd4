import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import {
  checkFeatureGroupEvolution,
  FEATURE_GROUP_LOCK_FILE,
  type FeatureGroupLockFile,
  readFeatureGroupLock,
} from '../feature-store/schema-guard';
import {
  CAPABILITIES,
  type Capability,
  capabilitiesAtStage,
  type MaturityStage,
  missingPrerequisites,
  type ResolvedMaturity,
  resolveMaturity,
  stageOfCapability,
} from '../maturity';
import { environmentStageId } from '../naming';
import { regionsWithEveryImage } from '../pipeline/images';
import { MODEL_TAG_KEY } from '../vocabulary';
import {
  DEFAULT_AZ_COUNT,
  DEFAULT_CONFIG_PATH,
  DEFAULT_VPC_CIDR,
  defaultAvailabilityZones,
  type EnvironmentKind,
  type EnvironmentSettings,
  KIND_DEFAULTS,
  kindFromName,
  SUBNET_PREFIX,
} from './defaults';
import { driftProblems } from './drift';
import { featureGroupProblems } from './feature-groups';
import { modelCodeProblems } from './model-code';
import { checkModelLock, MODEL_LOCK_FILE, type ModelLockFile, readModelLock } from './model-lock';
import { modelProblems, monitoringProblems, pipelineServingProblems, type ResolvedModel, resolveModel } from './models';
import { notificationsBySeverity, type ResolvedNotifications, reachesAnyone } from './notifications';
import { portfolioProblems } from './portfolio';
import { portfolioWarnings } from './portfolio-location';
import { promotionProblems } from './promotion';
import { availabilityZoneProblem, closestRegion } from './regions';
import {
  type EnvironmentConfig,
  type FeatureGroupConfig,
  type PlatformConfig,
  platformConfigSchema,
  type UserConfig,
} from './schema';

export { DEFAULT_CONFIG_PATH };

/** A config that cannot be used. `problems` lists every one, each starting with its field path. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid platform config (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The network of one environment, with defaults applied. */
export type ResolvedNetwork =
  | { readonly mode: 'create'; readonly cidr: string; readonly availabilityZones: readonly string[] }
  | {
      readonly mode: 'import';
      readonly vpcId: string;
      readonly vpcCidr: string;
      readonly availabilityZones: readonly string[];
      readonly privateSubnetIds: readonly string[];
    };

/** One environment with everything resolved: kind, settings, maturity and the users it has. */
export interface ResolvedEnvironment {
  readonly name: string;
  /** Construct id of the environment's CDK Stage, for example `Dev`: `cdk deploy 'Dev/*'`. */
  readonly stageId: string;
  readonly account: string;
  readonly region: string;
  readonly kind: EnvironmentKind;
  readonly settings: EnvironmentSettings;
  readonly maturity: ResolvedMaturity;
  readonly network: ResolvedNetwork;
  readonly users: readonly UserConfig[];
  /** The models with this environment's serving shape resolved. */
  readonly models: readonly ResolvedModel[];
  /** The feature groups of the feature store: one definition for every environment. */
  readonly featureGroups: readonly FeatureGroupConfig[];
  /**
   * Who receives the environment's alarms and failure events, by severity.
   * @default - nobody (synth warns)
   */
  readonly notifications?: ResolvedNotifications;
}

export interface ResolvedPlatformConfig {
  readonly project: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly config: PlatformConfig;
  /** The environments to synthesize, after `-c environments=...`. */
  readonly environments: readonly ResolvedEnvironment[];
  /** Every configured environment, whether synthesized or not (for cross-environment checks). */
  readonly allEnvironments: readonly ResolvedEnvironment[];
  /** Things the user asked for that are not synthesized, each said once. */
  readonly warnings: readonly string[];
}

/** CDK context values that change what is synthesized; each comes from `-c key=value`. */
export interface ConfigOverrides {
  /** Path of a JSON config file, relative to `baseDir`. */
  readonly config?: unknown;
  /** Maturity stage of every environment, 1 to 5. */
  readonly maturity?: unknown;
  /** Comma-separated names of the environments to synthesize. */
  readonly environments?: unknown;
}

function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** What a zod type name means to a reader of the config. */
function describeType(expected: string): string {
  const names: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    array: 'an array',
    object: 'an object',
    record: 'an object',
    literal: 'a fixed value',
  };
  return names[expected] ?? expected;
}

function plural(n: number | bigint, one: string, many: string): string {
  return `${n} ${Number(n) === 1 ? one : many}`;
}

/** The size of a string or array as a message says it: `5 characters`, `an empty array`. */
function describeSize(origin: string, input: unknown): string {
  if (typeof input === 'string') return `${plural(input.length, 'character', 'characters')} (${JSON.stringify(input)})`;
  if (Array.isArray(input)) return input.length === 0 ? 'none' : plural(input.length, 'item', 'items');
  if (origin === 'number' || origin === 'int' || origin === 'bigint') return String(input);
  return describeValue(input);
}

/** The bound of a too_big / too_small issue: `at most 100`, `at least 2 items`, `more than 0`. */
function describeBound(origin: string, bound: number | bigint, inclusive: boolean, big: boolean): string {
  const unit =
    origin === 'string'
      ? ` ${Number(bound) === 1 ? 'character' : 'characters'}`
      : origin === 'array' || origin === 'set'
        ? ` ${Number(bound) === 1 ? 'item' : 'items'}`
        : '';
  const word = big ? (inclusive ? 'at most' : 'less than') : inclusive ? 'at least' : 'more than';
  return `${word} ${bound}${unit}`;
}

/**
 * The issues of the union branch the input came closest to: the one with the fewest issues, preferring a branch
 * whose keys the input uses (no unrecognized keys).
 */
function closestBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] {
  const score = (issues: readonly z.core.$ZodIssue[]) =>
    issues.length + (issues.some((i) => i.code === 'unrecognized_keys') ? 100 : 0);
  return [...branches].sort((a, b) => score(a) - score(b))[0] ?? [];
}

/**
 * Turns zod issues into one line each, `field.path: what was given, what is allowed, the fix`. A message the
 * schema wrote itself starts lowercase or with the quoted value (house style) and is kept; zod's own messages ("Invalid input", "Too
 * big: ...") are rewritten from the issue's fields, so none reaches the user.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const at = formatPath([...prefix, ...issue.path]);
    const input = (issue as { input?: unknown }).input;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        lines.push(`${formatPath([...prefix, ...issue.path, key])}: unknown key; remove it or check its spelling`);
      }
      continue;
    }
    if (issue.code === 'invalid_type' && input === undefined) {
      lines.push(`${at}: is required (expected ${describeType(issue.expected)})`);
      continue;
    }
    if (!/^[A-Z]/.test(issue.message)) {
      lines.push(`${at}: ${issue.message}`);
      continue;
    }
    switch (issue.code) {
      case 'invalid_type':
        lines.push(`${at}: expected ${describeType(issue.expected)}, got ${describeValue(input)}`);
        break;
      case 'invalid_value': {
        const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
        lines.push(
          issue.values.length === 1
            ? `${at}: expected ${allowed}, got ${describeValue(input)}`
            : `${at}: expected one of ${allowed}, got ${describeValue(input)}`,
        );
        break;
      }
      case 'too_big':
      case 'too_small': {
        const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
        const big = issue.code === 'too_big';
        const expected = describeBound(issue.origin, bound, issue.inclusive ?? true, big);
        const emptyString = !big && issue.origin === 'string' && input === '';
        lines.push(
          emptyString
            ? `${at}: expected a non-empty string, got ""; fill it in or remove the key`
            : `${at}: expected ${expected}, got ${describeSize(issue.origin, input)}`,
        );
        break;
      }
      case 'not_multiple_of':
        lines.push(`${at}: expected a multiple of ${issue.divisor}, got ${describeValue(input)}`);
        break;
      case 'invalid_format': {
        const pattern = issue.format === 'regex' && issue.pattern ? ` (pattern ${issue.pattern})` : '';
        const what = issue.format === 'regex' ? 'the expected form' : `the ${issue.format} format`;
        lines.push(`${at}: ${describeValue(input)} does not have ${what}${pattern}`);
        break;
      }
      case 'invalid_union': {
        const branches = issue.errors;
        const values = branches.flat();
        if (values.length > 0 && values.every((i) => i.code === 'invalid_value' && i.path.length === 0)) {
          const allowed = values.flatMap((i) => (i.code === 'invalid_value' ? i.values : []));
          lines.push(
            `${at}: expected one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(input)}`,
          );
        } else if (branches.length === 0) {
          // a discriminated union names the discriminator and its options, and reports the whole object as input
          const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
          const given =
            discriminator !== undefined && input !== null && typeof input === 'object'
              ? (input as Record<string, unknown>)[discriminator]
              : input;
          lines.push(
            options
              ? `${at}: expected one of ${options.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(given)}`
              : `${at}: ${describeValue(input)} matches none of the allowed forms; see docs/configuration.md`,
          );
        } else {
          lines.push(...formatIssues(closestBranch(branches), [...prefix, ...issue.path]));
        }
        break;
      }
      case 'invalid_key': {
        const reasons = formatIssues(issue.issues).map((line) => line.replace(/^\(root\): /, ''));
        lines.push(`${at}: the key ${JSON.stringify(input)} is not allowed: ${reasons.join('; ')}`);
        break;
      }
      case 'invalid_element': {
        const reasons = formatIssues(issue.issues).map((line) => line.replace(/^\(root\): /, ''));
        lines.push(`${at}: the element ${describeValue(input)} is not allowed: ${reasons.join('; ')}`);
        break;
      }
      default:
        lines.push(`${at}: ${describeValue(input)} is not allowed here; see docs/configuration.md`);
    }
  }
  return lines;
}

function parseMaturityOverride(value: unknown): MaturityStage | string {
  const text = String(value).trim();
  if (!/^[1-5]$/.test(text)) return `-c maturity: expected a maturity stage from 1 to 5, got ${JSON.stringify(value)}`;
  return Number(text) as MaturityStage;
}

/** Tags lib/tagging.ts puts on every resource, and the most tags AWS allows on one. */
const PLATFORM_TAG_KEYS = ['project', 'environment'];
const MAX_TAGS = 50;

/** Checks that need more than one field: uniqueness, references between fields, prerequisites. */
function crossFieldProblems(config: PlatformConfig): string[] {
  const problems: string[] = [];
  const envNames = config.environments.map((e) => e.name);
  const stageIds = new Map<string, number>();
  config.environments.forEach((env, i) => {
    const first = envNames.indexOf(env.name);
    if (first !== i) {
      problems.push(`environments[${i}].name: duplicate environment name "${env.name}" (also environments[${first}])`);
    } else {
      const stageId = environmentStageId(env.name);
      const clash = stageIds.get(stageId);
      if (clash !== undefined) {
        problems.push(
          `environments[${i}].name: "${env.name}" gives the same stage id "${stageId}" as environments[${clash}]; rename one`,
        );
      }
      stageIds.set(stageId, i);
    }
    if (env.kind === undefined && kindFromName(env.name) === undefined) {
      problems.push(
        `environments[${i}].kind: cannot tell the kind from the name "${env.name}"; set kind to "dev", "test" or "prod"`,
      );
    }
    if (env.network?.existingVpc && (env.network.cidr || env.network.availabilityZones)) {
      problems.push(
        `environments[${i}].network: set either existingVpc or cidr/availabilityZones, not both (they describe different VPCs)`,
      );
    }
    const cidr = env.network?.cidr;
    const azCount = env.network?.availabilityZones?.length ?? DEFAULT_AZ_COUNT;
    if (cidr) {
      // each availability zone gets one /20 isolated subnet
      const prefix = Number(cidr.split('/')[1]);
      const largestPrefix = SUBNET_PREFIX - Math.ceil(Math.log2(azCount));
      if (prefix > largestPrefix) {
        problems.push(
          `environments[${i}].network.cidr: a /${prefix} VPC cannot hold ${azCount} subnets of /${SUBNET_PREFIX}; use /${largestPrefix} or larger, got "${cidr}"`,
        );
      }
    }
    const zoneLists = [
      ['network.availabilityZones', env.network?.availabilityZones ?? []],
      ['network.existingVpc.availabilityZones', env.network?.existingVpc?.availabilityZones ?? []],
    ] as const;
    for (const [field, zones] of zoneLists) {
      zones.forEach((zone, j) => {
        const problem = availabilityZoneProblem(zone, env.region);
        if (problem) problems.push(`environments[${i}].${field}[${j}]: ${problem}`);
        const first = zones.indexOf(zone);
        if (first !== j) {
          problems.push(`environments[${i}].${field}[${j}]: duplicate availability zone "${zone}" (also [${first}])`);
        }
      });
    }
    const existing = env.network?.existingVpc;
    existing?.privateSubnetIds.forEach((subnet, j) => {
      const first = existing.privateSubnetIds.indexOf(subnet);
      if (first !== j) {
        problems.push(
          `environments[${i}].network.existingVpc.privateSubnetIds[${j}]: duplicate subnet "${subnet}" (also [${first}]); list one private subnet per availability zone`,
        );
      }
    });
    if (existing && existing.availabilityZones.length !== existing.privateSubnetIds.length) {
      problems.push(
        `environments[${i}].network.existingVpc.privateSubnetIds: expected one subnet per availability zone (${existing.availabilityZones.length}), got ${existing.privateSubnetIds.length}`,
      );
    }
  });

  const userNames = config.users.map((u) => u.name);
  config.users.forEach((u, i) => {
    const first = userNames.indexOf(u.name);
    if (first !== i) problems.push(`users[${i}].name: duplicate user name "${u.name}" (also users[${first}])`);
    u.environments?.forEach((envName, j) => {
      if (!envNames.includes(envName)) {
        problems.push(
          `users[${i}].environments[${j}]: unknown environment "${envName}"; expected one of ${envNames.join(', ')}`,
        );
      }
    });
  });

  // lib/tagging.ts puts project and environment on every resource, next to these; AWS allows 50 tags a resource
  const tagKeys = Object.keys(config.tags);
  for (const key of tagKeys.filter((k) => PLATFORM_TAG_KEYS.includes(k))) {
    problems.push(`tags.${key}: the platform sets this tag on every resource; use another key`);
  }
  // and model on every resource of a model's stack (cost per model, ADR 0030)
  if (tagKeys.includes(MODEL_TAG_KEY)) {
    problems.push(
      `tags.${MODEL_TAG_KEY}: the platform sets this tag on every resource of a model's stack to the model's name (cost per model); use another key`,
    );
  }
  if (tagKeys.length > MAX_TAGS - PLATFORM_TAG_KEYS.length - 1) {
    problems.push(
      `tags: at most ${MAX_TAGS - PLATFORM_TAG_KEYS.length - 1} tags (AWS allows ${MAX_TAGS} a resource, the platform adds ${PLATFORM_TAG_KEYS.join(', ')} and ${MODEL_TAG_KEY}), got ${tagKeys.length}`,
    );
  }

  const modelNames = config.models.map((m) => m.name);
  config.models.forEach((m, i) => {
    const first = modelNames.indexOf(m.name);
    if (first !== i) problems.push(`models[${i}].name: duplicate model name "${m.name}" (also models[${first}])`);
  });
  const kinds = config.environments.flatMap((e) => {
    const kind = e.kind ?? kindFromName(e.name);
    return kind ? [{ name: e.name, kind }] : [];
  });
  problems.push(...modelProblems(config.project, config.models, kinds));
  problems.push(
    ...featureGroupProblems(config.featureGroups, config.models, {
      project: config.project,
      environments: envNames,
    }),
  );
  return problems;
}

/**
 * The training pipeline (stage 3) and model monitoring (stage 4) run SageMaker's prebuilt images, whose registries
 * lib/pipeline/images.ts lists by region: an environment with either needs a region of that table.
 */
function imageRegionProblems(
  config: PlatformConfig,
  environmentsWith: (capability: Capability) => readonly EnvironmentConfig[],
): string[] {
  const regions = regionsWithEveryImage();
  const needs = new Map<string, string[]>();
  for (const [capability, what] of [
    ['trainingPipeline', 'the training pipeline (stage 3)'],
    ['modelMonitoring', 'model monitoring (stage 4)'],
  ] as const) {
    for (const env of environmentsWith(capability)) needs.set(env.name, [...(needs.get(env.name) ?? []), what]);
  }
  const problems: string[] = [];
  config.environments.forEach((env, i) => {
    const what = needs.get(env.name);
    if (!what || regions.includes(env.region)) return;
    const suggestion = closestRegion(env.region, regions);
    problems.push(
      `environments[${i}].region: "${env.region}" has no SageMaker image registries in lib/pipeline/images.ts, which ${what.join(' and ')} of "${env.name}" need; use a region that has them, such as ${suggestion} (${regions.length} do), keep the environment below stage 3, or add the region's accounts to lib/pipeline/images.ts from the SageMaker "Docker registry paths" page`,
    );
  });
  return problems;
}

/** Prerequisite problems of early-switched capabilities, judged at each environment's own stage. */
function capabilityProblems(config: PlatformConfig, stages: ReadonlyMap<string, MaturityStage>): string[] {
  const problems: string[] = [];
  for (const capability of CAPABILITIES) {
    const value = config.capabilities[capability];
    if (value === undefined) continue;
    for (const env of config.environments) {
      const stage = stages.get(env.name) ?? 1;
      const included = capabilitiesAtStage(stage);
      if (value === false && included.includes(capability)) {
        problems.push(
          `capabilities.${capability}: cannot switch off a capability of stage ${stageOfCapability(capability)} in environment "${env.name}" at stage ${stage}; lower its maturity instead`,
        );
        continue;
      }
      if (value !== true) continue;
      const selected = new Set<Capability>([...included, ...earlyCapabilities(config)]);
      const missing = missingPrerequisites(selected).find((p) => p.capability === capability);
      if (missing) {
        problems.push(
          `capabilities.${capability}: needs ${missing.missing.join(', ')} in environment "${env.name}" (stage ${stage}); raise its maturity or switch those on too`,
        );
      }
    }
  }
  return problems;
}

function earlyCapabilities(config: PlatformConfig): Capability[] {
  return CAPABILITIES.filter((c) => config.capabilities[c] === true);
}

function resolveNetwork(env: EnvironmentConfig): ResolvedNetwork {
  const existing = env.network?.existingVpc;
  if (existing) return { mode: 'import', ...existing };
  return {
    mode: 'create',
    cidr: env.network?.cidr ?? DEFAULT_VPC_CIDR,
    availabilityZones: env.network?.availabilityZones ?? defaultAvailabilityZones(env.region),
  };
}

/**
 * Validates a config object and resolves everything the app needs. Throws a {@link ConfigError} listing every
 * problem; never returns a half-valid config. With `featureGroupLock`, the feature groups are also held to the
 * lock file (lib/feature-store/schema-guard.ts).
 */
export function resolveConfig(
  input: unknown,
  overrides: Omit<ConfigOverrides, 'config'> = {},
  source = 'config',
  baseDir = process.cwd(),
  featureGroupLock?: FeatureGroupLockFile,
  modelLockFile?: ModelLockFile,
): ResolvedPlatformConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(source, [`(root): expected a JSON object, got ${describeValue(input)}`]);
  }
  const parsed = platformConfigSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, formatIssues(parsed.error.issues));
  const config = parsed.data;

  const problems = crossFieldProblems(config);
  const evolution = featureGroupLock && checkFeatureGroupEvolution(config.featureGroups, featureGroupLock);
  problems.push(...(evolution?.problems ?? []));
  const modelLockCheck = modelLockFile && checkModelLock(config.models, modelLockFile);
  problems.push(...(modelLockCheck?.problems ?? []));
  let maturityOverride: MaturityStage | undefined;
  if (overrides.maturity !== undefined) {
    const result = parseMaturityOverride(overrides.maturity);
    if (typeof result === 'string') problems.push(result);
    else maturityOverride = result;
  }
  const stages = new Map<string, MaturityStage>(
    config.environments.map((e) => [e.name, (maturityOverride ?? e.maturity ?? config.maturity) as MaturityStage]),
  );
  problems.push(...capabilityProblems(config, stages));
  // each environment's capabilities, resolved once for the checks below and the resolved environments
  const early = earlyCapabilities(config);
  const maturities = new Map(
    config.environments.map((e) => [e.name, resolveMaturity(stages.get(e.name) ?? 1, early)] as const),
  );
  const environmentsWith = (capability: Capability) =>
    config.environments.filter((e) => maturities.get(e.name)?.capabilities.has(capability));
  const delivers = environmentsWith('deliveryPipeline').length > 0;
  problems.push(...imageRegionProblems(config, environmentsWith));
  const trains =
    config.capabilities.trainingPipeline === true ||
    [...stages.values()].some((stage) => capabilitiesAtStage(stage).includes('trainingPipeline'));
  // the model's Python package, read statically: it must import and expose what the pipeline runs
  if (trains) problems.push(...modelCodeProblems(config.models, baseDir));
  const trainedEnvironments = environmentsWith('trainingPipeline').flatMap((env) => {
    const kind = env.kind ?? kindFromName(env.name);
    return kind ? [{ name: env.name, kind }] : [];
  });
  problems.push(...pipelineServingProblems(config.models, trainedEnvironments));
  const monitored = environmentsWith('modelMonitoring').map((e) => e.name);
  problems.push(...monitoringProblems(config.project, config.models, monitored));
  problems.push(
    ...portfolioProblems(
      config.models,
      environmentsWith('modelPortfolio').map((e) => e.name),
    ),
  );
  problems.push(...promotionProblemsOf(config, trainedEnvironments));
  problems.push(...driftProblems(config.models));

  let selectedNames = config.environments.map((e) => e.name);
  if (overrides.environments !== undefined) {
    const wanted = String(overrides.environments)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    const unknown = wanted.filter((w) => !selectedNames.includes(w));
    if (wanted.length === 0) problems.push('-c environments: expected a comma-separated list of environment names');
    for (const name of unknown) {
      problems.push(`-c environments: unknown environment "${name}"; expected one of ${selectedNames.join(', ')}`);
    }
    selectedNames = selectedNames.filter((n) => wanted.includes(n));
  }
  if (problems.length > 0) throw new ConfigError(source, problems);

  const warnings = new Set<string>([...(evolution?.warnings ?? []), ...(modelLockCheck?.warnings ?? [])]);
  for (const w of portfolioWarnings(
    config,
    environmentsWith('modelPortfolio').map((e) => e.name),
  ))
    warnings.add(w);
  if (delivers && !config.tooling?.connection) {
    warnings.add(
      'the delivery pipeline (stage 4) is left out: tooling.connection (connection ARN, repository, branch) is not configured; see docs/delivery.md',
    );
  }
  const testTrains = config.environments.some(
    (e) =>
      (e.kind ?? kindFromName(e.name)) === 'test' &&
      maturities.get(e.name)?.capabilities.has('trainingPipeline') &&
      config.models.length > 0,
  );
  if (delivers && config.tooling?.connection && !testTrains && !config.tooling.acceptNoTestTraining) {
    warnings.add(
      'the delivery pipeline has no test environment that trains the models, so it releases to prod without the training check (tooling.acceptNoTestTraining: false); add a test environment, or set tooling.acceptNoTestTraining to true to accept this',
    );
  }
  const allEnvironments = config.environments.map((env): ResolvedEnvironment => {
    const kind = env.kind ?? (kindFromName(env.name) as EnvironmentKind);
    const maturity = maturities.get(env.name) as ResolvedMaturity;
    for (const w of maturity.warnings) warnings.add(w);
    return {
      name: env.name,
      stageId: environmentStageId(env.name),
      account: env.account,
      region: env.region,
      kind,
      settings: { ...KIND_DEFAULTS[kind], ...env.settings },
      maturity,
      network: resolveNetwork(env),
      users: config.users.filter((u) => !u.environments || u.environments.includes(env.name)),
      models: config.models.map((model) =>
        resolveModel(
          {
            ...model,
            training: { ...model.training, codeDirectory: path.resolve(baseDir, model.training.codeDirectory) },
          },
          env.name,
          kind,
        ),
      ),
      featureGroups: config.featureGroups,
      notifications: env.notifications && notificationsBySeverity(env.notifications),
    };
  });

  const withoutFeatureStore = allEnvironments
    .filter((e) => e.maturity.capabilities.has('trainingPipeline') && !e.maturity.capabilities.has('featureStore'))
    .map((e) => e.name);
  config.models.forEach((model, i) => {
    if (model.featureGroup === undefined || withoutFeatureStore.length === 0) return;
    warnings.add(
      `models[${i}].featureGroup: ${withoutFeatureStore.join(', ')} ${withoutFeatureStore.length === 1 ? 'has' : 'have'} no feature store below stage 4, so the pipeline of "${model.name}" trains on the raw data there`,
    );
  });

  for (const warning of notificationWarnings(config, selectedNames, delivers)) warnings.add(warning);

  return {
    project: config.project,
    tags: config.tags,
    config,
    environments: allEnvironments.filter((e) => selectedNames.includes(e.name)),
    allEnvironments,
    warnings: [...warnings],
  };
}

/**
 * Alarms and pipeline events that reach nobody: once per synthesized environment without notifications, and for the
 * delivery pipeline (when it is built) without targets for failed runs (critical) or pending approvals (warning).
 */
function notificationWarnings(config: PlatformConfig, selected: readonly string[], delivers: boolean): string[] {
  const warnings: string[] = [];
  const how = 'add emails, httpsEndpoints, slack or teams (docs/configuration.md#notifications)';
  config.environments.forEach((env, i) => {
    if (env.notifications || !selected.includes(env.name)) return;
    warnings.push(
      `environments[${i}].notifications: not set, so the alarms and failure events of "${env.name}" reach nobody (its alerts topic has no subscription); ${how}`,
    );
  });
  if (!delivers || !config.tooling?.connection) return warnings;
  const tooling = config.tooling.notifications && notificationsBySeverity(config.tooling.notifications);
  if (!tooling) {
    warnings.push(
      `tooling.notifications: not set, so failed runs and pending approvals of the delivery pipeline reach nobody; ${how}`,
    );
  } else if (!reachesAnyone(tooling.warning)) {
    warnings.push(
      'tooling.notifications: every target is under critical, so pending approvals of the delivery pipeline (warnings) reach nobody; list a target at the top level of tooling.notifications too',
    );
  }
  return warnings;
}

/** Where JSON.parse stopped, from its message: `at position N`, the end of the input, or V8's quoted context. */
function jsonErrorPosition(text: string, message: string): number | undefined {
  const at = /at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  if (/end of JSON input/.test(message)) return text.trimEnd().length;
  // Node 20 words an unexpected token as `Unexpected token 'x', "<context>" is not valid JSON`, where a long
  // input's context is cut to ten characters either side of the token and marked with "..."
  const token = /^Unexpected token '(.)', (\.\.\.)?"([\s\S]*?)"(\.\.\.)? is not valid JSON/.exec(message);
  if (!token) return undefined;
  const [, char = '', cut, context = ''] = token;
  if (cut) {
    const start = text.indexOf(context);
    return start < 0 ? undefined : start + 10;
  }
  // the whole input is the context: the first occurrence of the token outside a string
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString && c === '\\') i++;
    else if (c === '"') inString = !inString;
    else if (!inString && c === char) return i;
  }
  return undefined;
}

/** A JSON syntax error as `(file) path:line:column: not valid JSON (reason); line N reads: ...`. */
export function jsonSyntaxProblem(file: string, text: string, message: string): string {
  const reason = message
    .replace(/, (\.\.\.)?"[\s\S]*"(\.\.\.)? is not valid JSON$/, '')
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/^./, (c) => c.toLowerCase());
  const position = jsonErrorPosition(text, message);
  if (position === undefined) return `(file) ${file}: not valid JSON (${reason}); check it with a JSON linter`;
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  const content = (text.split('\n')[line - 1] ?? '').replace(/\r$/, '').trim();
  return `(file) ${file}:${line}:${column}: not valid JSON (${reason}); line ${line} reads: ${content}`;
}

/** Reads and validates the config file named by `-c config=...` (or the default), applying the other overrides. */
export function loadConfig(overrides: ConfigOverrides = {}, baseDir = process.cwd()): ResolvedPlatformConfig {
  const relative = overrides.config === undefined ? DEFAULT_CONFIG_PATH : String(overrides.config);
  const file = path.resolve(baseDir, relative);
  if (!existsSync(file)) {
    throw new ConfigError(relative, [
      `-c config: file not found: ${file}; pass the path of a JSON config, for example -c config=${DEFAULT_CONFIG_PATH}`,
    ]);
  }
  let input: unknown;
  const text = readFileSync(file, 'utf8');
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(relative, [jsonSyntaxProblem(relative, text, (error as Error).message)]);
  }
  // the lock of the feature groups sits beside the config file
  const lock = readFeatureGroupLock(
    path.join(path.dirname(file), FEATURE_GROUP_LOCK_FILE),
    path.join(path.dirname(relative), FEATURE_GROUP_LOCK_FILE),
    relative,
  );
  // so does the lock of the models (retire before removing)
  const modelLockFile = readModelLock(
    path.join(path.dirname(file), MODEL_LOCK_FILE),
    path.join(path.dirname(relative), MODEL_LOCK_FILE),
    relative,
  );
  return resolveConfig(
    input,
    { maturity: overrides.maturity, environments: overrides.environments },
    relative,
    baseDir,
    lock,
    modelLockFile,
  );
}

/** Problems of `models[].promotion` (stage 5), each by field path (lib/config/promotion.ts). */
function promotionProblemsOf(
  config: PlatformConfig,
  trainedEnvironments: ReadonlyArray<{ readonly name: string }>,
): string[] {
  const environments = config.environments.flatMap((env) => {
    const kind = env.kind ?? kindFromName(env.name);
    if (!kind) return [];
    const serverless = (name: string) => {
      const model = config.models.find((m) => m.name === name);
      return model !== undefined && resolveModel(model, env.name, kind).serving.kind === 'serverless';
    };
    return [{ name: env.name, serverless }];
  });
  return promotionProblems(
    config.models,
    environments,
    trainedEnvironments.map((e) => e.name),
  );
}
