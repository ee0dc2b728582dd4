import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { APP_CONTEXT, buildPlatform } from '../../lib/app';
import { failedValidations } from '../../lib/compliance/report';
import { type ConfigOverrides, type ResolvedPlatformConfig, resolveConfig } from '../../lib/config/loader';
import type { PlatformConfigInput } from '../../lib/config/schema';
import type { PlatformEnvironment } from '../../lib/environment';
import { threeEnvironmentConfig } from './fixtures';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The feature flags and settings of cdk.json, so tests synthesize exactly what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  // the app's own context first, as bin/platform.ts passes it to its App under cdk.json's
  return { ...APP_CONTEXT, ...JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')).context };
}

/**
 * CDK's built-in template validation (a WebAssembly CloudFormation engine) costs about half of every synthesis, and
 * four seconds on the reference fixture at stage 5. It runs, as errors, wherever templates are shipped: `cdk synth`
 * (bin/platform.ts) of every stage in `.ci/run`, and the scale check. Tests assert what the templates say, so they
 * skip it with the App prop below (`validateTemplates: true` turns it back on); the `validateAgainstDefaultRules`
 * flag alone only turns its errors into warnings in aws-cdk-lib 2.276, and the validation still runs.
 */
export const SKIP_BUILTIN_VALIDATION = { builtinCloudFormationValidation: false } as const;

/** Context for construct unit tests: cdk.json, with the template validation's findings as warnings. */
export function constructTestContext(): Record<string, unknown> {
  return { ...cdkJsonContext(), '@aws-cdk/core:validateAgainstDefaultRules': false };
}

/** An App for construct unit tests: cdk.json's context plus `context`, without the built-in template validation. */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ ...SKIP_BUILTIN_VALIDATION, context: { ...constructTestContext(), ...context } });
}

/** A fixture builder of test/support/fixtures.ts, such as `threeEnvironmentConfig`. */
export type ConfigShape = () => PlatformConfigInput;

/** Resolves a fixture as the loader resolves a config file, with the repository as the base of relative paths. */
export function resolveFixture(
  input: PlatformConfigInput,
  overrides: Omit<ConfigOverrides, 'config'> = {},
): ResolvedPlatformConfig {
  return resolveConfig(input, overrides, 'fixture', REPO_ROOT);
}

export interface SynthOptions {
  /** `-c maturity=N`. */
  readonly maturity?: number;
  /**
   * The config to synthesize.
   * @default threeEnvironmentConfig()
   */
  readonly config?: PlatformConfigInput;
  /** An already resolved config (the fork suite's own config); `config` and the overrides are ignored. */
  readonly resolved?: ResolvedPlatformConfig;
  /** `-c environments=...`. */
  readonly environments?: string;
  /** Bundle Lambda code (slow); only one test per function needs it. */
  readonly bundle?: boolean;
  /**
   * Run CDK's built-in template validation, as `cdk synth` does; its findings join `violations`.
   * @default false (see SKIP_BUILTIN_VALIDATION)
   */
  readonly validateTemplates?: boolean;
}

export interface SynthesizedPlatform {
  readonly config: ResolvedPlatformConfig;
  readonly app: App;
  readonly environments: readonly PlatformEnvironment[];
  readonly assembly: CloudAssembly;
  /** Unacknowledged compliance findings, one line each. */
  readonly violations: readonly string[];
  /** Template of `Env/Stack`, e.g. `Dev/Foundation`. */
  template(stackPath: string): Template;
  /** Raw template JSON of `Env/Stack`. */
  templateJson(stackPath: string): CloudFormationTemplate;
  /** Every stack path, e.g. `['Dev/Foundation', ...]`, and `Delivery` (with its support stacks) when there is one. */
  readonly stackPaths: readonly string[];
}

export interface CloudFormationTemplate {
  readonly Resources: Record<string, CloudFormationResource>;
  readonly [key: string]: unknown;
}

export interface CloudFormationResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Condition?: string;
  readonly [key: string]: unknown;
}

/** Synthesizes the platform as `cdk synth` does, with compliance findings collected instead of failing. */
export function synthPlatform(options: SynthOptions = {}): SynthesizedPlatform {
  const config =
    options.resolved ??
    resolveFixture(options.config ?? threeEnvironmentConfig(), {
      maturity: options.maturity,
      environments: options.environments,
    });
  const app = new App({
    ...(options.validateTemplates ? {} : SKIP_BUILTIN_VALIDATION),
    context: {
      ...cdkJsonContext(),
      // findings are asserted by the tests, not turned into a failing exit code
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const { environments } = buildPlatform(app, config);
  const assembly = app.synth();
  const templates = new Map<string, CloudFormationTemplate>();
  // the delivery stack and its cross-region support stacks sit at the top of the app, outside the Stages
  for (const stack of assembly.stacks) templates.set(stack.hierarchicalId, stack.template);
  for (const env of environments) {
    const nested = assembly.getNestedAssembly(env.artifactId);
    for (const stack of nested.stacks) templates.set(stack.hierarchicalId, stack.template);
  }
  const templateJson = (stackPath: string) => {
    const found = templates.get(stackPath);
    if (!found) throw new Error(`no stack ${stackPath}; have ${[...templates.keys()].join(', ')}`);
    return found;
  };
  return {
    config,
    app,
    environments,
    assembly,
    violations: failedValidations(assembly.directory),
    template: (stackPath) => Template.fromJSON(templateJson(stackPath)),
    templateJson,
    stackPaths: [...templates.keys()],
  };
}

const cache = new Map<string, SynthesizedPlatform>();

/**
 * A fixture at a stage, synthesized once per test file and shape. Stages above the highest implemented one
 * resolve to the same capabilities, so they share one synthesis (with their own config and warnings).
 */
export function synthAtStage(maturity: number, shape: ConfigShape = threeEnvironmentConfig): SynthesizedPlatform {
  const input = shape();
  const config = resolveFixture(input, { maturity });
  const key = JSON.stringify([input, config.environments.map((e) => [e.name, [...e.maturity.capabilities]])]);
  let found = cache.get(key);
  if (!found) {
    found = synthPlatform({ resolved: config });
    cache.set(key, found);
  }
  return { ...found, config };
}

/** Resources of a template of a given type, by logical id. */
/**
 * The resources of one part of a model's stack (`Serving`, `Batch`, `Training`, `Retraining`, `Monitoring`): those
 * whose logical id starts with the part's construct id, as CDK derives logical ids from construct paths.
 */
export function modelPart(template: CloudFormationTemplate, part: string): CloudFormationTemplate {
  return {
    ...template,
    Resources: Object.fromEntries(Object.entries(template.Resources).filter(([id]) => id.startsWith(part))),
  };
}

export function resourcesOfType(
  template: CloudFormationTemplate,
  type: string,
): Record<string, CloudFormationResource> {
  return Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type === type));
}
