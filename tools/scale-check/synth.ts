// The impure half of `npm run check:scale`: one synthesis of a scaled config, timed, with its memory sampled.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { App } from 'aws-cdk-lib';
import { buildPlatform } from '../../lib/app';
import { failedValidations } from '../../lib/compliance/report';
import { ConfigError, type ResolvedPlatformConfig, resolveConfig } from '../../lib/config/loader';
import { measure, type Run, type SynthesizedStack, type Template } from './measure';

/**
 * Samples the resident set size of the whole process from a worker thread, so it keeps sampling while the main
 * thread is busy synthesizing (a timer on the main thread would not fire until the synthesis ends).
 */
export class RssSampler {
  private readonly peak = new BigInt64Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;

  constructor(readonly intervalMillis = 20) {
    this.worker = new Worker(
      `const { workerData } = require('node:worker_threads');
       const peak = new BigInt64Array(workerData.buffer);
       const sample = () => {
         const rss = BigInt(process.memoryUsage.rss());
         if (rss > Atomics.load(peak, 0)) Atomics.store(peak, 0, rss);
       };
       sample();
       setInterval(sample, workerData.intervalMillis);`,
      { eval: true, workerData: { buffer: this.peak.buffer, intervalMillis } },
    );
    this.worker.unref();
  }

  /** Starts a new peak from the current size. */
  reset(): void {
    Atomics.store(this.peak, 0, BigInt(process.memoryUsage.rss()));
  }

  /** The largest size sampled since the last reset, this moment's included. */
  peakBytes(): number {
    const now = BigInt(process.memoryUsage.rss());
    const sampled = Atomics.load(this.peak, 0);
    return Number(now > sampled ? now : sampled);
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

export interface SynthOptions {
  /** The scaled config input (scaleConfig). */
  readonly input: Record<string, unknown>;
  readonly models: number;
  /** The name of the config file in messages. */
  readonly source: string;
  /** The directory model code paths are resolved from (the repository root). */
  readonly baseDir: string;
  /** The app's context (cdk.json's). */
  readonly context: Record<string, unknown>;
  readonly sampler: RssSampler;
}

/** A run and, when it synthesized, the resolved config (its environments are the report's). */
export interface SynthResult {
  readonly run: Run;
  readonly config?: ResolvedPlatformConfig;
  readonly warnings: readonly string[];
}

/**
 * Resolves the config, builds the platform and synthesizes it into a temporary directory (removed afterwards),
 * then measures every stack. A ConfigError from the config or the build is a refusal: the time to it is measured
 * and the half-built app is dropped, never synthesized.
 */
export function synthesize(options: SynthOptions): SynthResult {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'scale-check-'));
  try {
    options.sampler.reset();
    const started = process.hrtime.bigint();
    const cpuStarted = process.cpuUsage();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = () => {
      const used = process.cpuUsage(cpuStarted);
      return (used.user + used.system) / 1e6;
    };
    let config: ResolvedPlatformConfig;
    let app: App;
    let environments: ReturnType<typeof buildPlatform>;
    try {
      config = resolveConfig(options.input, {}, options.source, options.baseDir);
      app = new App({
        outdir,
        autoSynth: false,
        context: {
          ...options.context,
          '@aws-cdk/core:failSynthOnValidationErrors': false,
          // Lambda bundling is skipped: it is tested on its own
          'aws:cdk:bundling-stacks': [],
        },
      });
      environments = buildPlatform(app, config);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const seconds = elapsed();
      return {
        run: {
          outcome: 'refused',
          models: options.models,
          seconds,
          cpuSeconds: cpu(),
          peakRssBytes: options.sampler.peakBytes(),
          message: error.message,
        },
        warnings: [],
      };
    }
    const assembly = app.synth();
    const seconds = elapsed();
    const cpuSeconds = cpu();
    const stacks: SynthesizedStack[] = [];
    environments.forEach((stage, i) => {
      const group = config.environments[i]?.name ?? stage.stageName;
      for (const stack of assembly.getNestedAssembly(stage.artifactId).stacks) {
        stacks.push({ id: stack.hierarchicalId, group, template: stack.template as Template });
      }
    });
    for (const stack of assembly.stacks) {
      stacks.push({ id: stack.hierarchicalId, group: 'tooling', template: stack.template as Template });
    }
    const measurement = measure(stacks, failedValidations(assembly.directory));
    return {
      run: {
        outcome: 'synthesized',
        models: options.models,
        seconds,
        cpuSeconds,
        peakRssBytes: options.sampler.peakBytes(),
        measurement,
      },
      config,
      warnings: config.warnings,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
