import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { FRAMEWORKS, type Framework, nextSteps, planNewModel, ScaffoldError, writePlan } from './scaffold';

// `npm run new-model -- <name> [--framework xgboost|sklearn] [--config path]`
// A new model from the sample of its framework: ml/<package>/, its serving entry points and tests, and a config
// entry. Exit codes: 0 written, 1 refused (the reasons and fixes are printed), 2 usage error.

const USAGE = 'usage: npm run new-model -- <name> [--framework xgboost|sklearn] [--config path/to/platform.json]';
const HELP = `${USAGE}

Creates a model from the sample of its framework, with the package name derived from <name> (hyphens as underscores):
  ml/<package>/            copied from ml/churn (xgboost, the default) or ml/upsell (sklearn), imports renamed
  ml/<package>_inference.py, ml/<package>_predictor.py (sklearn)   the serving entry points
  ml/tests/<package>/      the sample's tests
and appends the model to the config (default config/platform.json). Writes nothing if any check fails.`;

/** Where the command writes: the process's streams, or a test's buffers. */
export interface Output {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const PROCESS_OUTPUT: Output = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

interface Args {
  readonly name?: string;
  readonly framework: Framework;
  readonly config: string;
  readonly help: boolean;
}

export function parseArgs(argv: readonly string[]): Args {
  const problems: string[] = [];
  const names: string[] = [];
  let framework: Framework = 'xgboost';
  let config = path.join('config', 'platform.json');
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--help' || flag === '-h') help = true;
    else if (flag === '--framework') {
      const given = value();
      if (FRAMEWORKS.includes(given as Framework)) framework = given as Framework;
      else problems.push(`--framework: expected ${FRAMEWORKS.join(' or ')}, got ${JSON.stringify(given ?? '')}`);
    } else if (flag === '--config') {
      const given = value();
      if (given) config = given;
      else problems.push('--config: expected a path');
    } else if (flag.startsWith('-')) problems.push(`unknown option ${flag}`);
    else names.push(arg);
  }
  if (!help && names.length !== 1)
    problems.push(names.length === 0 ? 'expected a model name' : `expected one model name, got ${names.join(' ')}`);
  if (problems.length > 0) throw new ScaffoldError(problems, 2);
  return { name: names[0], framework, config, help };
}

/** Runs the command in `root`; returns its exit code. */
export function main(argv: readonly string[], root = process.cwd(), out: Output = PROCESS_OUTPUT): number {
  const print = (line: string) => out.stdout(`${line}\n`);
  const printError = (message: string) => out.stderr(`error: ${message}\n`);
  try {
    const args = parseArgs(argv);
    if (args.help || args.name === undefined) {
      print(HELP);
      return 0;
    }
    if (!existsSync(path.resolve(root, args.config))) {
      throw new ScaffoldError([`--config: file not found: ${path.resolve(root, args.config)}`], 2);
    }
    const plan = planNewModel({ name: args.name, framework: args.framework, root, configPath: args.config });
    const written = writePlan(plan, root);
    print(`new ${plan.framework} model "${plan.model}" (package ${plan.package}, from ${plan.sample}):`);
    for (const file of written) print(`  wrote ${file}`);
    print('next:');
    for (const line of nextSteps(plan, plan.config.path)) print(`  ${line}`);
    return 0;
  } catch (error) {
    if (error instanceof ScaffoldError) {
      for (const problem of error.problems) printError(problem);
      if (error.exitCode === 2) out.stderr(`${USAGE}\n`);
      else out.stderr('nothing was written\n');
      return error.exitCode;
    }
    printError(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
