// The pure half of `npm run check:scale`: the scaled config, the measures of a synthesized assembly, the limits
// and the report. No CDK, no files, no clock: cli.ts and synth.ts do those.

import { CODEPIPELINE_QUOTAS } from '../../lib/service-quotas';

/** Our margins under CloudFormation's 500 resources and 1 MB per template, and IAM's size of a managed policy. */
export const LIMITS = {
  resources: 400,
  templateBytes: 800 * 1024,
  policyCharacters: 6144,
  /** CodePipeline's fixed structural quotas, the very ones the delivery stack checks at synth. */
  actionsPerPipelineStage: CODEPIPELINE_QUOTAS.actionsPerStage,
  stagesPerPipeline: CODEPIPELINE_QUOTAS.stagesPerPipeline,
  actionsPerPipeline: CODEPIPELINE_QUOTAS.actionsPerPipeline,
  /**
   * A regression guard on linearity: each model added between half the models and all of them may add at most this
   * many times the resources and template bytes that each model added between one and half did. A model built into
   * every other model's stack, or anything that grows with the square of the models, passes it at once. It counts
   * what is built, not seconds: on this shared 2-core machine the CPU seconds of each added model in the second half
   * came out at 0.98x, 1.43x and 1.7x of the first half in three runs of the same tree (ADR 0031), so time is
   * printed (`linearity:`), not checked.
   */
  marginalGrowth: 1.1,
} as const;

/** The figure the platform aims at (issue 11), printed next to the measured ratio; not yet reached. */
export const SYNTH_TIME_RATIO_TARGET = 6;

/** The connection added by `--with-pipeline` when the config has none: never deployed, only synthesized. */
export const PLACEHOLDER_REPOSITORY = 'example/platform';
export const PLACEHOLDER_BRANCH = 'main';
export function placeholderConnection(tooling: {
  readonly account: string;
  readonly region: string;
  /** The ARN partition of the tooling region: aws, aws-cn, aws-us-gov. */
  readonly partition: string;
}) {
  return {
    connectionArn: `arn:${tooling.partition}:codeconnections:${tooling.region}:${tooling.account}:connection/00000000-0000-0000-0000-000000000000`,
    repository: PLACEHOLDER_REPOSITORY,
    branch: PLACEHOLDER_BRANCH,
  };
}

/** A refusal of the scale check itself (not of the platform): the message, and 2 for a usage error. */
export class ScaleCheckError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = 'ScaleCheckError';
  }
}

/** Where the delivery pipeline's connection comes from in a run. */
export type PipelineSource = 'none' | 'config' | 'placeholder';

export interface ScaledConfig {
  /** The config to resolve: the input with `models` copies of its first model, at `maturity`. */
  readonly input: Record<string, unknown>;
  /** The name of the model that was copied. */
  readonly sample: string;
  readonly pipeline: PipelineSource;
}

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The name of the n-th copy (1-based): model01, model02, ... model100. */
export function copyName(n: number): string {
  return `model${String(n).padStart(2, '0')}`;
}

/**
 * The config input with `models` copies of its first model (each training with the first model's code package),
 * every environment at `maturity`, and with `withPipeline` a placeholder `tooling.connection` when it has none.
 * Environments, users, tooling and feature groups are the config's own. Does not modify `input`.
 */
export function scaleConfig(
  input: unknown,
  models: number,
  options: {
    readonly maturity: number;
    readonly withPipeline: boolean;
    readonly source: string;
    /** The ARN partition of a region, for the placeholder connection. */
    readonly partitionOf: (region: string) => string;
  },
): ScaledConfig {
  if (!isObject(input)) throw new ScaleCheckError(`${options.source}: expected a JSON object`);
  const [sample] = Array.isArray(input.models) ? input.models : [];
  if (!isObject(sample) || typeof sample.name !== 'string') {
    throw new ScaleCheckError(
      `${options.source} has no model to copy; add one with npm run new-model -- <name>, or pass another --config`,
    );
  }
  const name = sample.name;
  const training = isObject(sample.training) ? sample.training : {};
  const copies = Array.from({ length: models }, (_, i) => ({
    ...sample,
    name: copyName(i + 1),
    training: { ...training, package: training.package ?? name.replace(/-/g, '_') },
  }));
  const tooling = isObject(input.tooling) ? input.tooling : undefined;
  let pipeline: PipelineSource = tooling?.connection !== undefined ? 'config' : 'none';
  let scaledTooling = tooling;
  if (options.withPipeline && pipeline === 'none') {
    if (!tooling || typeof tooling.account !== 'string' || typeof tooling.region !== 'string') {
      throw new ScaleCheckError(
        `--with-pipeline: ${options.source} has no tooling account and region for the delivery pipeline; add "tooling": { "account": ..., "region": ... }`,
      );
    }
    scaledTooling = {
      ...tooling,
      connection: placeholderConnection({
        account: tooling.account,
        region: tooling.region,
        partition: options.partitionOf(tooling.region),
      }),
    };
    pipeline = 'placeholder';
  }
  return {
    input: { ...input, maturity: options.maturity, models: copies, ...(scaledTooling && { tooling: scaledTooling }) },
    sample: name,
    pipeline,
  };
}

/** What the report says about the delivery pipeline, in one line. */
export function pipelineNote(scaled: ScaledConfig): string {
  switch (scaled.pipeline) {
    case 'config':
      return 'delivery pipeline: configured (the config has tooling.connection)';
    case 'placeholder': {
      const tooling = scaled.input.tooling as { connection: { connectionArn: string } };
      return `delivery pipeline: configured with a placeholder tooling.connection (--with-pipeline; the config has none): ${tooling.connection.connectionArn}, ${PLACEHOLDER_REPOSITORY}@${PLACEHOLDER_BRANCH}`;
    }
    case 'none':
      return 'delivery pipeline: not configured (the config has no tooling.connection; --with-pipeline adds a placeholder one)';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// measures of a synthesized assembly

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
}

/** One synthesized stack: its path (`Dev/mlops-dev-...`), the group it counts in (an environment, or tooling). */
export interface SynthesizedStack {
  readonly id: string;
  readonly group: string;
  readonly template: Template;
}

export interface StackSize {
  readonly id: string;
  readonly resources: number;
  readonly bytes: number;
  /** The largest managed policy of the stack, in characters without whitespace. */
  readonly policies: ReadonlyArray<{ readonly id: string; readonly characters: number }>;
}

/** Resources, bytes and managed policy sizes of one stack, measured as the check always has. */
export function stackSize(stack: SynthesizedStack): StackSize {
  const resources = stack.template.Resources ?? {};
  const policies: Array<{ id: string; characters: number }> = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    // tokens render longer than the ARNs they become, so this over-estimates the real size
    const characters = JSON.stringify(resource.Properties?.PolicyDocument ?? {}).replace(/\s/g, '').length;
    policies.push({ id: `${stack.id}/${id}`, characters });
  }
  return {
    id: stack.id,
    resources: Object.keys(resources).length,
    bytes: Buffer.byteLength(JSON.stringify(stack.template)),
    policies,
  };
}

export interface PipelineStage {
  readonly name: string;
  readonly actions: number;
}
export interface PipelineShape {
  /** `<stack id>/<logical id>` of the AWS::CodePipeline::Pipeline. */
  readonly id: string;
  readonly name?: string;
  readonly stages: readonly PipelineStage[];
}

/** Every CodePipeline pipeline of a template, with the actions of each of its stages (Stages[].Actions). */
export function pipelinesOf(stack: SynthesizedStack): PipelineShape[] {
  const pipelines: PipelineShape[] = [];
  for (const [id, resource] of Object.entries(stack.template.Resources ?? {})) {
    if (resource.Type !== 'AWS::CodePipeline::Pipeline') continue;
    const stages = Array.isArray(resource.Properties?.Stages) ? resource.Properties.Stages : [];
    const name = resource.Properties?.Name;
    pipelines.push({
      id: `${stack.id}/${id}`,
      ...(typeof name === 'string' && { name }),
      stages: stages.map((stage: unknown, i: number) => ({
        name: isObject(stage) && typeof stage.Name === 'string' ? stage.Name : `#${i + 1}`,
        actions: isObject(stage) && Array.isArray(stage.Actions) ? stage.Actions.length : 0,
      })),
    });
  }
  return pipelines;
}

export const actionsOf = (pipeline: PipelineShape): number => pipeline.stages.reduce((n, s) => n + s.actions, 0);

export interface Largest {
  readonly id: string;
  readonly value: number;
}

export interface Measurement {
  /** Stacks per group, in the order the groups were first seen. */
  readonly stacksPerGroup: ReadonlyArray<{ readonly group: string; readonly stacks: number }>;
  readonly stacks: number;
  readonly sizes: readonly StackSize[];
  readonly largestResources?: Largest;
  readonly largestBytes?: Largest;
  readonly largestPolicy?: Largest;
  readonly pipelines: readonly PipelineShape[];
  /** The busiest stage of any pipeline. */
  readonly busiestStage?: Largest;
  /**
   * Unacknowledged findings of the validation plugins (the cdk-nag packs and CDK's template validation), of any
   * severity, one line each: a warning would show in every fork's synth.
   */
  readonly findings: readonly string[];
}

function largest<T>(items: readonly T[], id: (item: T) => string, value: (item: T) => number): Largest | undefined {
  let best: Largest | undefined;
  for (const item of items) if (!best || value(item) > best.value) best = { id: id(item), value: value(item) };
  return best;
}

/** The measures of every synthesized stack, and the validation findings of the assembly. */
export function measure(stacks: readonly SynthesizedStack[], findings: readonly string[]): Measurement {
  const perGroup = new Map<string, number>();
  for (const stack of stacks) perGroup.set(stack.group, (perGroup.get(stack.group) ?? 0) + 1);
  const sizes = stacks.map(stackSize);
  const pipelines = stacks.flatMap(pipelinesOf);
  return {
    stacksPerGroup: [...perGroup].map(([group, n]) => ({ group, stacks: n })),
    stacks: stacks.length,
    sizes,
    largestResources: largest(
      sizes,
      (s) => s.id,
      (s) => s.resources,
    ),
    largestBytes: largest(
      sizes,
      (s) => s.id,
      (s) => s.bytes,
    ),
    largestPolicy: largest(
      sizes.flatMap((s) => s.policies),
      (p) => p.id,
      (p) => p.characters,
    ),
    pipelines,
    busiestStage: largest(
      pipelines.flatMap((p) => p.stages.map((s) => ({ id: `${p.name ?? p.id} / ${s.name}`, actions: s.actions }))),
      (s) => s.id,
      (s) => s.actions,
    ),
    findings,
  };
}

/** Every limit a measurement passes, one line each; empty when it is within all of them. */
export function limitProblems(measurement: Measurement): string[] {
  const problems: string[] = [];
  for (const size of measurement.sizes) {
    if (size.resources > LIMITS.resources)
      problems.push(`${size.id}: ${size.resources} resources (limit ${LIMITS.resources})`);
    if (size.bytes > LIMITS.templateBytes)
      problems.push(`${size.id}: ${size.bytes} bytes (limit ${LIMITS.templateBytes})`);
    for (const policy of size.policies) {
      if (policy.characters > LIMITS.policyCharacters)
        problems.push(`${policy.id}: policy of ${policy.characters} characters (limit ${LIMITS.policyCharacters})`);
    }
  }
  for (const pipeline of measurement.pipelines) {
    const name = pipeline.name ?? pipeline.id;
    if (pipeline.stages.length > LIMITS.stagesPerPipeline)
      problems.push(
        `${name}: ${pipeline.stages.length} stages (CodePipeline's limit ${LIMITS.stagesPerPipeline} per pipeline)`,
      );
    if (actionsOf(pipeline) > LIMITS.actionsPerPipeline)
      problems.push(
        `${name}: ${actionsOf(pipeline)} actions (CodePipeline's limit ${LIMITS.actionsPerPipeline} per pipeline)`,
      );
    for (const stage of pipeline.stages) {
      if (stage.actions > LIMITS.actionsPerPipelineStage)
        problems.push(
          `${name}: stage ${stage.name} has ${stage.actions} actions (CodePipeline's limit ${LIMITS.actionsPerPipelineStage} per stage)`,
        );
    }
  }
  problems.push(...measurement.findings.map((f) => `validation: ${f}`));
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// runs and the report

interface RunBase {
  readonly models: number;
  /** From the start of the build (config resolution included) to the synthesized assembly, or to the refusal. */
  readonly seconds: number;
  /**
   * CPU seconds of the process over the same span (every thread, garbage collection included): steadier than
   * `seconds` on a shared machine.
   */
  readonly cpuSeconds: number;
  /** The largest resident set size sampled during the run. */
  readonly peakRssBytes: number;
  /** Where the time went, by CDK's own counters; absent when the app stopped before it synthesized. */
  readonly phases?: SynthPhases;
}

/**
 * The phases of a synthesis in seconds, as CDK's performance counters record them (`CDK_PERF_COUNTERS_FILE`).
 * Construction includes bundling and the delivery pipeline's synthesis of each environment; validation is part of
 * synthesis, and template validation part of validation.
 */
export interface SynthPhases {
  /** From the start of the process to the App: loading the modules. */
  readonly load: number;
  readonly construction: number;
  /** esbuild bundling the Lambda functions. */
  readonly bundling: number;
  readonly synthesis: number;
  /** Every validation plugin: the compliance packs and the template validation. */
  readonly validation: number;
  /** CDK's template validation engine, template by template (its start-up is outside). */
  readonly templateValidation: number;
}

/** The phases from the counters CDK writes (milliseconds by name); undefined without the phase counters. */
export function synthPhases(counters: Readonly<Record<string, number>>): SynthPhases | undefined {
  const seconds = (name: string) => (counters[name] ?? 0) / 1000;
  if (counters['phase:Construction'] === undefined || counters['phase:Synthesis'] === undefined) return undefined;
  return {
    load: seconds('phase:Load'),
    construction: seconds('phase:Construction'),
    bundling: seconds('bundle:NodejsFunction'),
    synthesis: seconds('phase:Synthesis'),
    validation: seconds('validateTemplates'),
    templateValidation: seconds('CloudFormationValidate.validate'),
  };
}
export interface SynthesizedRun extends RunBase {
  readonly outcome: 'synthesized';
  readonly measurement: Measurement;
}
export interface RefusedRun extends RunBase {
  readonly outcome: 'refused';
  /** The ConfigError's message, as cdk synth prints it. */
  readonly message: string;
  /** Templates the refused run left in its output directory: a refusal must write none. */
  readonly templatesLeft: number;
}
export type Run = SynthesizedRun | RefusedRun;

/** Every problem of a run: a refusal (and any template it left), or each limit it passes. */
export function runProblems(run: Run): string[] {
  if (run.outcome === 'refused') {
    return [
      `synth refused ${modelsLabel(run.models)} (${run.seconds.toFixed(1)} s to the refusal)`,
      ...(run.templatesLeft > 0 ? [`the refusal left ${run.templatesLeft} templates behind; it must write none`] : []),
    ];
  }
  return limitProblems(run.measurement);
}

/**
 * What scaling from the baseline to the scaled run must keep: each environment holds its shared stacks plus one
 * stack per model (the baseline has one model, so its count less one is the shared stacks), and, given a run at
 * about half the models, each model added in the second half adds at most {@link LIMITS.marginalGrowth} times the
 * resources and template bytes of each added in the first half.
 */
export function scalingProblems(baseline: Run, scaled: Run, half?: Run): string[] {
  if (baseline.outcome !== 'synthesized' || scaled.outcome !== 'synthesized' || scaled === baseline) return [];
  const problems: string[] = [];
  for (const { group, stacks } of baseline.measurement.stacksPerGroup) {
    if (group === 'tooling') continue;
    const expected = stacks - baseline.models + scaled.models;
    const actual = scaled.measurement.stacksPerGroup.find((g) => g.group === group)?.stacks ?? 0;
    if (actual !== expected) {
      problems.push(
        `${group}: ${actual} stacks for ${modelsLabel(scaled.models)}, expected ${expected} (${stacks - baseline.models} shared stacks and one per model)`,
      );
    }
  }
  if (half?.outcome === 'synthesized' && half.models > baseline.models && scaled.models > half.models) {
    for (const [what, figure] of STRUCTURE) {
      const first = perAddedModel(baseline, half, figure);
      const second = perAddedModel(half, scaled, figure);
      if (first > 0 && second > first * LIMITS.marginalGrowth) {
        problems.push(
          `each model from ${half.models} to ${scaled.models} added ${second.toFixed(0)} ${what}, ${(second / first).toFixed(2)}x the ${first.toFixed(0)} of each from ${baseline.models} to ${half.models} (at most ${LIMITS.marginalGrowth}x): what is built grows faster than the models`,
        );
      }
    }
  }
  return problems;
}

const sum = (run: Run, value: (size: StackSize) => number) =>
  run.outcome === 'synthesized' ? run.measurement.sizes.reduce((total, size) => total + value(size), 0) : 0;

/** What the linearity guard counts in a run: every stack's resources, and their templates' bytes. */
const STRUCTURE: ReadonlyArray<readonly [string, (run: Run) => number]> = [
  ['resources', (run) => sum(run, (s) => s.resources)],
  ['template bytes', (run) => sum(run, (s) => s.bytes)],
];

/** What each model between two runs added to a figure of the run. */
export function perAddedModel(from: Run, to: Run, figure: (run: Run) => number): number {
  return (figure(to) - figure(from)) / (to.models - from.models);
}

/**
 * The linearity line: the cost of each added model in each half of the models, in wall and CPU seconds, and what
 * the template validation took of it when CDK's counters say.
 */
export function linearityLine(baseline: Run, half: Run, scaled: Run): string {
  const halves = [
    [baseline, half],
    [half, scaled],
  ] as const;
  const cost = ([from, to]: readonly [Run, Run]) => {
    const validation =
      from.phases && to.phases
        ? `, ${perAddedModel(from, to, (r) => r.phases?.templateValidation ?? 0).toFixed(2)} s of it template validation`
        : '';
    return `${perAddedModel(from, to, (r) => r.seconds).toFixed(2)} s (${perAddedModel(from, to, (r) => r.cpuSeconds).toFixed(2)} CPU s${validation}) from ${from.models} to ${to.models}`;
  };
  const [resources, bytes] = STRUCTURE.map(([, figure]) => figure);
  const built = halves.map(
    ([from, to]) =>
      `${perAddedModel(from, to, resources).toFixed(0)} resources and ${(perAddedModel(from, to, bytes) / 1024).toFixed(1)} KB of templates`,
  );
  const added =
    built[0] === built[1]
      ? `${built[0]} in both halves`
      : `${built[0]} from ${baseline.models} to ${half.models}, ${built[1]} from ${half.models} to ${scaled.models}`;
  return `linearity: ${modelsLabel(half.models)} took ${half.seconds.toFixed(1)} s; each model cost ${halves.map(cost).join(' and ')}; each added ${added}`;
}

export const modelsLabel = (n: number) => `${n} ${n === 1 ? 'model' : 'models'}`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Rows of text in columns: the first left-aligned, the others right-aligned. */
export function table(rows: ReadonlyArray<readonly string[]>, indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join('   ')
        .trimEnd(),
  );
}

export interface ReportInput {
  /** The config file, as given. */
  readonly config: string;
  readonly maturity: number;
  readonly environments: readonly string[];
  readonly sample: string;
  readonly pipelineNote: string;
  /** Seconds of a first, uncounted synthesis of the baseline that brings the modules into the file cache. */
  readonly warmupSeconds?: number;
  readonly baseline: Run;
  readonly scaled: Run;
}

/** The phases of each run under its synth seconds; none when no run has them. */
function phaseRows(runs: readonly Run[]): string[][] {
  if (!runs.some((r) => r.phases)) return [];
  const row = (label: string, value: (p: SynthPhases) => number) => [
    label,
    ...runs.map((r) => (r.phases ? value(r.phases).toFixed(1) : '-')),
    '',
  ];
  return [
    row('  loading the modules', (p) => p.load),
    row('  building the constructs', (p) => p.construction),
    row('    of which bundling', (p) => p.bundling),
    row('  synthesizing', (p) => p.synthesis),
    row('    of which template validation', (p) => p.templateValidation),
    row('    of which compliance packs, etc.', (p) => p.validation - p.templateValidation),
  ];
}

function cells(run: Run, value: (m: Measurement) => string): string {
  return run.outcome === 'refused' ? '-' : value(run.measurement);
}

/** The report: what was synthesized, a table of the baseline and the scaled run against the limits, the verdict. */
export function formatReport(report: ReportInput): string[] {
  const { baseline, scaled } = report;
  const runs = [baseline, scaled];
  const lines = [
    `scale check: ${report.config} at stage ${report.maturity}, ${report.environments.length} environments (${report.environments.join(', ')}), model "${report.sample}" copied ${scaled.models === 1 ? 'once' : `${scaled.models} times`}`,
    report.pipelineNote,
    '',
  ];
  const groups: string[] = [];
  for (const run of runs) {
    if (run.outcome !== 'synthesized') continue;
    for (const { group } of run.measurement.stacksPerGroup) if (!groups.includes(group)) groups.push(group);
  }
  const stacksIn = (m: Measurement, group: string) =>
    String(m.stacksPerGroup.find((g) => g.group === group)?.stacks ?? 0);
  const hasPipeline = runs.some((r) => r.outcome === 'synthesized' && r.measurement.pipelines.length > 0);
  const rows: string[][] = [
    ['', `${modelsLabel(baseline.models)} (baseline)`, modelsLabel(scaled.models), 'limit'],
    ['stacks', ...runs.map((r) => (r.outcome === 'refused' ? 'refused' : String(r.measurement.stacks))), ''],
    ...groups.map((group) => [`  ${group}`, ...runs.map((r) => cells(r, (m) => stacksIn(m, group))), '']),
  ];
  if (hasPipeline) {
    rows.push(
      [
        'delivery pipeline stages',
        ...runs.map((r) => cells(r, (m) => String(Math.max(0, ...m.pipelines.map((p) => p.stages.length))))),
        String(LIMITS.stagesPerPipeline),
      ],
      [
        'delivery pipeline actions',
        ...runs.map((r) => cells(r, (m) => String(Math.max(0, ...m.pipelines.map(actionsOf))))),
        String(LIMITS.actionsPerPipeline),
      ],
      [
        'most actions in one pipeline stage',
        ...runs.map((r) => cells(r, (m) => String(m.busiestStage?.value ?? 0))),
        String(LIMITS.actionsPerPipelineStage),
      ],
    );
  }
  rows.push(
    [
      'largest template, resources',
      ...runs.map((r) => cells(r, (m) => String(m.largestResources?.value ?? 0))),
      String(LIMITS.resources),
    ],
    [
      'largest template, size',
      ...runs.map((r) => cells(r, (m) => kb(m.largestBytes?.value ?? 0))),
      kb(LIMITS.templateBytes),
    ],
    [
      'largest managed policy, characters',
      ...runs.map((r) => cells(r, (m) => String(m.largestPolicy?.value ?? 0))),
      String(LIMITS.policyCharacters),
    ],
    ['validation findings', ...runs.map((r) => cells(r, (m) => String(m.findings.length))), '0'],
    ['synth seconds', ...runs.map((r) => `${r.seconds.toFixed(1)}${r.outcome === 'refused' ? ' (refused)' : ''}`), ''],
    ...phaseRows(runs),
    ['synth CPU seconds', ...runs.map((r) => r.cpuSeconds.toFixed(1)), ''],
    ['peak RSS', ...runs.map((r) => mb(r.peakRssBytes)), ''],
  );
  lines.push(...table(rows));
  lines.push('');
  const ratio = baseline.seconds > 0 ? scaled.seconds / baseline.seconds : Number.NaN;
  const cpuRatio = baseline.cpuSeconds > 0 ? scaled.cpuSeconds / baseline.cpuSeconds : Number.NaN;
  const verb = scaled.outcome === 'refused' ? 'refusing' : 'synthesizing';
  const target =
    scaled.outcome === 'synthesized' && scaled.models > baseline.models
      ? ` (target ${SYNTH_TIME_RATIO_TARGET}x: ${ratio <= SYNTH_TIME_RATIO_TARGET ? 'met' : 'not met'})`
      : '';
  lines.push(
    `time: ${verb} ${modelsLabel(scaled.models)} took ${ratio.toFixed(1)}x the time of ${modelsLabel(baseline.models)} (${scaled.seconds.toFixed(1)} s / ${baseline.seconds.toFixed(1)} s)` +
      (scaled.outcome === 'synthesized' && baseline.outcome === 'synthesized' && scaled.models > baseline.models
        ? `, ${((scaled.seconds - baseline.seconds) / (scaled.models - baseline.models)).toFixed(2)} s per added model`
        : '') +
      `; CPU time ${cpuRatio.toFixed(1)}x${target}`,
  );
  if (scaled.phases && baseline.phases && scaled.models > baseline.models) {
    const perModel = (value: (p: SynthPhases) => number) =>
      // a phase that does not grow can come out a hair below zero with the noise
      Math.max(
        0,
        perAddedModel(baseline, scaled, (r) => (r.phases ? value(r.phases) : 0)),
      ).toFixed(2);
    lines.push(
      `  each added model: ${perModel((p) => p.construction)} s building, ${perModel((p) => p.synthesis - p.validation)} s synthesizing, ${perModel((p) => p.templateValidation)} s template validation, ${perModel((p) => p.validation - p.templateValidation)} s compliance packs, etc.`,
    );
  }
  if (report.warmupSeconds !== undefined) {
    lines.push(
      `  (each a new process of the app, as cdk synth runs it, after an uncounted warm-up run of ${modelsLabel(baseline.models)} that brings the modules into the file cache: ${report.warmupSeconds.toFixed(1)} s)`,
    );
  }
  // the details of the largest run that synthesized
  const detailed = [scaled, baseline].find((r): r is SynthesizedRun => r.outcome === 'synthesized');
  if (detailed) {
    const m = detailed.measurement;
    const of = `(${modelsLabel(detailed.models)})`;
    if (m.largestResources) lines.push(`largest template by resources ${of}: ${m.largestResources.id}`);
    if (m.largestBytes) lines.push(`largest template by size ${of}: ${m.largestBytes.id}`);
    if (m.largestPolicy) lines.push(`largest managed policy ${of}: ${m.largestPolicy.id}`);
    for (const pipeline of m.pipelines) {
      lines.push(
        `delivery pipeline ${pipeline.name ?? pipeline.id} ${of}: ${pipeline.stages.length} stages, ${actionsOf(pipeline)} actions`,
      );
      lines.push(
        ...table([
          ['stage', 'actions'],
          ...pipeline.stages.map((s) => [
            s.name,
            `${s.actions}${s.actions > LIMITS.actionsPerPipelineStage ? ' (over the limit)' : ''}`,
          ]),
        ]),
      );
    }
  }
  return lines;
}
