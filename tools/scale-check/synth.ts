// The impure half of `npm run check:scale`: one synthesis of a scaled config, run as `cdk synth` runs the app (a new
// process of bin/platform.ts, with the context and output directory the CDK CLI passes it), timed from the start
// of the process to its exit, so the figures are those a user waits for.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { findingLine, validationFindings } from '../../lib/compliance/report';
import { FEATURE_GROUP_LOCK_FILE } from '../../lib/feature-store/schema-guard';
import { environmentStageId } from '../../lib/naming';
import { measure, type Run, type SynthesizedStack, synthPhases, type Template } from './measure';

const USAGE_HOOK = path.join(__dirname, 'usage-hook.cjs');
/** CDK's context key (aws-cdk-lib/core/lib/app.js) for the average time per stack past which it writes its counters. */
const SLOW_SYNTH_THRESHOLD = '@aws-cdk/core.slowSynthThreshold';

export interface SynthOptions {
  /** The scaled config input (scaleConfig). */
  readonly input: Record<string, unknown>;
  readonly models: number;
  /** The config file as given: the feature-group lock beside it goes with the scaled copy. */
  readonly source: string;
  /** The repository root: the app runs there, and model code paths resolve from it. */
  readonly baseDir: string;
  /** The app's context (cdk.json's). */
  readonly context: Record<string, unknown>;
  readonly maturity: number;
}

/** A run, and the warnings the app printed. */
export interface SynthResult {
  readonly run: Run;
  readonly warnings: readonly string[];
}

interface ResourceUsage {
  readonly userCPUTime: number;
  readonly systemCPUTime: number;
  /** Kilobytes. */
  readonly maxRSS: number;
}

/**
 * Writes the scaled config (with the lock of the original) to a temporary directory, runs the app on it into a
 * temporary cloud assembly (removed afterwards), and measures every stack. A config error is a refusal: the time to
 * it is measured, with the number of templates the refused run left behind.
 */
export function synthesize(options: SynthOptions): SynthResult {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scale-check-'));
  try {
    const configFile = path.join(dir, 'platform.json');
    writeFileSync(configFile, JSON.stringify(options.input));
    const lock = path.join(path.dirname(path.resolve(options.baseDir, options.source)), FEATURE_GROUP_LOCK_FILE);
    if (existsSync(lock)) copyFileSync(lock, path.join(dir, FEATURE_GROUP_LOCK_FILE));
    const outdir = path.join(dir, 'cdk.out');
    const usageFile = path.join(dir, 'usage.json');
    const countersFile = path.join(dir, 'counters.json');

    const started = process.hrtime.bigint();
    const child = spawnSync(process.execPath, ['--require', USAGE_HOOK, '--import', 'tsx', 'bin/platform.ts'], {
      cwd: options.baseDir,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({
          ...options.context,
          config: configFile,
          maturity: options.maturity,
          // CDK writes its phase counters when a stack took longer than this (ms) on average: always, here
          [SLOW_SYNTH_THRESHOLD]: 0,
        }),
        CDK_PERF_COUNTERS_FILE: countersFile,
        SCALE_CHECK_USAGE: usageFile,
      },
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (child.error) throw child.error;
    const usage = existsSync(usageFile)
      ? (JSON.parse(readFileSync(usageFile, 'utf8')) as ResourceUsage)
      : { userCPUTime: 0, systemCPUTime: 0, maxRSS: 0 };
    const stderr = child.stderr ?? '';
    const base = {
      models: options.models,
      seconds,
      cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
      peakRssBytes: usage.maxRSS * 1024,
      phases: existsSync(countersFile)
        ? synthPhases((JSON.parse(readFileSync(countersFile, 'utf8')) as { counters: Record<string, number> }).counters)
        : undefined,
    };
    const warnings = stderr.split('\n').flatMap((line) => (line.startsWith('[WARNING] ') ? [line.slice(10)] : []));
    if (!existsSync(path.join(outdir, 'manifest.json'))) {
      if (child.status === 0) throw new Error(`the app exited 0 without a cloud assembly:\n${stderr}`);
      const message = stderr
        .split('\n')
        .filter((line) => !line.startsWith('[WARNING] '))
        .join('\n')
        .trim();
      return { run: { ...base, outcome: 'refused', message, templatesLeft: templatesIn(outdir) }, warnings };
    }

    const assembly = new CloudAssembly(outdir);
    const groupOf = new Map<string, string>();
    const environments = Array.isArray(options.input.environments) ? options.input.environments : [];
    for (const environment of environments as Array<{ name?: unknown }>) {
      groupOf.set(`assembly-${environmentStageId(String(environment.name))}`, String(environment.name));
    }
    const stacks: SynthesizedStack[] = [];
    for (const nested of assembly.nestedAssemblies) {
      const group = groupOf.get(nested.id) ?? nested.id;
      for (const stack of nested.nestedAssembly.stacks) {
        stacks.push({ id: stack.hierarchicalId, group, template: stack.template as Template });
      }
    }
    for (const stack of assembly.stacks) {
      stacks.push({ id: stack.hierarchicalId, group: 'tooling', template: stack.template as Template });
    }
    return {
      run: {
        ...base,
        outcome: 'synthesized',
        measurement: measure(stacks, validationFindings(assembly.directory).map(findingLine)),
      },
      warnings,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How many CloudFormation templates a directory holds, nested assemblies included. */
function templatesIn(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.template.json')).length;
}
