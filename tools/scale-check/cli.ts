import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { DEFAULT_CONFIG_PATH, jsonSyntaxProblem } from '../../lib/config/loader';
import { highestImplementedStage } from '../../lib/maturity';
import {
  formatReport,
  linearityLine,
  modelsLabel,
  pipelineNote,
  runProblems,
  ScaleCheckError,
  scaleConfig,
  scalingProblems,
} from './measure';

// `npm run check:scale -- [MODELS] [--config FILE] [--with-pipeline]`
// Synthesizes the config at the top stage with MODELS copies of its first model (50 by default), next to the same
// config with one model (the baseline), and checks the limits. Exit codes: 0 within every limit, 1 a limit passed
// or synth refused the config, 2 usage error.

export const DEFAULT_MODELS = 50;
const USAGE = 'usage: npm run check:scale -- [MODELS] [--config path/to/platform.json] [--with-pipeline]';
const HELP = `${USAGE}

Synthesizes every environment of the config (default ${DEFAULT_CONFIG_PATH}) at the highest implemented stage with
MODELS copies of its first model (a whole number from 1 to 9999, default ${DEFAULT_MODELS}), and the same config with
one model as the baseline, each in a new process of the app as cdk synth runs it. Prints stacks per environment,
the delivery pipelines' actions per stage, the largest template and managed policy, cdk-nag findings, synth seconds
and peak memory, and fails past the limits, when an environment holds more than its shared stacks and one stack
per model, when each model added in the second half of the models costs more than 1.5x what one of the first half
cost to synthesize (the ratio to one model is printed against its 6x target), or when synth refuses the config.
  --with-pipeline   add a placeholder tooling.connection when the config has none, to synthesize the delivery pipeline`;

const print = (line = '') => process.stdout.write(`${line}\n`);
const printError = (line: string) => process.stderr.write(`${line}\n`);

export interface Args {
  readonly models: number;
  readonly config: string;
  readonly withPipeline: boolean;
  readonly help: boolean;
}

/** The arguments, or a ScaleCheckError (exit code 2) naming every mistake. */
export function parseArgs(argv: readonly string[]): Args {
  const problems: string[] = [];
  const counts: string[] = [];
  let config = DEFAULT_CONFIG_PATH;
  let withPipeline = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (flag === '--help' || flag === '-h') help = true;
    else if (flag === '--with-pipeline' && inline === undefined) withPipeline = true;
    else if (flag === '--config') {
      const given = inline ?? argv[++i];
      if (given) config = given;
      else problems.push('--config: expected a path, for example --config config/platform.json');
    } else if (flag.startsWith('--')) problems.push(`unknown option ${arg}`);
    else counts.push(arg);
  }
  if (counts.length > 1) problems.push(`expected one number of models, got ${counts.join(' ')}`);
  const count = counts[0] ?? String(DEFAULT_MODELS);
  if (!/^[1-9]\d{0,3}$/.test(count)) {
    problems.push(
      `expected a number of models from 1 to 9999, got ${JSON.stringify(count)}; for example npm run check:scale -- 100`,
    );
  }
  if (problems.length > 0) throw new ScaleCheckError(problems.join('\n'), 2);
  return { models: Number(count), config, withPipeline, help };
}

function readConfig(file: string, root: string): unknown {
  const absolute = path.resolve(root, file);
  if (!existsSync(absolute)) throw new ScaleCheckError(`--config: file not found: ${absolute}`, 2);
  const text = readFileSync(absolute, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ScaleCheckError(jsonSyntaxProblem(file, text, (error as Error).message), 1);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const root = process.cwd();
  try {
    const args = parseArgs(argv);
    if (args.help) {
      print(HELP);
      return 0;
    }
    const input = readConfig(args.config, root);
    const maturity = highestImplementedStage();
    const scale = (models: number) =>
      scaleConfig(input, models, {
        maturity,
        withPipeline: args.withPipeline,
        source: args.config,
        partitionOf: (region) => RegionInfo.get(region).partition ?? 'aws',
      });
    const scaled = scale(args.models);
    const context = JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')).context ?? {};
    // loaded only to synthesize: the CDK modules take seconds to load, and the tests of parseArgs need none
    const { synthesize } = await import('./synth');
    const run = (models: number) =>
      synthesize({ input: scale(models).input, models, source: args.config, baseDir: root, context, maturity });
    // a first run brings the modules into the file cache: it would make the baseline look slow
    process.stderr.write(
      `synthesizing ${modelsLabel(1)} (warm-up), ${modelsLabel(1)} (baseline)${args.models === 1 ? '' : `, then ${args.models > 2 ? `${modelsLabel(Math.ceil(args.models / 2))} and ` : ''}${modelsLabel(args.models)}`} ...\n`,
    );
    const warmup = run(1);
    const baseline = run(1);
    // a run at half the models shows whether each model costs the same at every size (LIMITS.marginalGrowth)
    const halfModels = Math.ceil(args.models / 2);
    const half = halfModels > 1 && halfModels < args.models ? run(halfModels) : undefined;
    const result = args.models === 1 ? baseline : run(args.models);
    for (const warning of new Set([...baseline.warnings, ...result.warnings])) printError(`[WARNING] ${warning}`);

    const environments = Array.isArray(scaled.input.environments)
      ? scaled.input.environments.map((e: { name?: unknown }) => String(e.name))
      : [];
    for (const line of formatReport({
      config: args.config,
      maturity,
      environments,
      sample: scaled.sample,
      pipelineNote: pipelineNote(scaled),
      warmupSeconds: warmup.run.seconds,
      baseline: baseline.run,
      scaled: result.run,
    })) {
      print(line);
    }
    if (half?.run.outcome === 'synthesized' && baseline.run.outcome === 'synthesized') {
      print(linearityLine(baseline.run, half.run, result.run));
    }
    let failed = false;
    // the baseline is the scaled run when MODELS is 1: each problem is said once
    const runs = result === baseline ? [result.run] : [baseline.run, result.run];
    for (const r of runs) {
      if (r.outcome === 'refused') {
        printError(`\nsynth refused ${modelsLabel(r.models)} after ${r.seconds.toFixed(1)} s:\n${r.message}`);
        failed = true;
      }
    }
    const problems = [
      ...runs.flatMap((r) =>
        r.outcome === 'synthesized' || r.templatesLeft > 0
          ? runProblems(r)
              .filter((p) => !p.startsWith('synth refused'))
              .map((p) => `(${modelsLabel(r.models)}) ${p}`)
          : [],
      ),
      ...scalingProblems(baseline.run, result.run, half?.run),
    ];
    if (problems.length > 0) {
      printError(`\n${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      failed = true;
    }
    print(failed ? '\nscale check: FAILED' : '\nscale check: passed');
    return failed ? 1 : 0;
  } catch (error) {
    if (error instanceof ScaleCheckError) {
      printError(`check:scale: ${error.message.split('\n').join('\ncheck:scale: ')}`);
      if (error.exitCode === 2) printError(USAGE);
      return error.exitCode;
    }
    printError(error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error));
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
