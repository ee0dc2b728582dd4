import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildPlatform } from '../lib/app';
import { failedValidations } from '../lib/compliance/report';
import { resolveConfig } from '../lib/config/loader';

/**
 * `npm run check:scale [-- MODELS]`: synthesizes the default environments with many models (50 by default) and
 * fails if any stack comes near CloudFormation's limits (500 resources, 1 MB template) or IAM's (6,144
 * characters per managed policy), or if cdk-nag finds anything.
 */
const MAX_RESOURCES = 400;
const MAX_TEMPLATE_BYTES = 800 * 1024;
const MAX_POLICY_CHARS = 6144;

const root = path.resolve(__dirname, '..');
const argument = process.argv[2] ?? '50';
if (!/^[1-9]\d{0,3}$/.test(argument)) {
  process.stderr.write(
    `check:scale: expected a number of models from 1 to 9999, got ${JSON.stringify(argument)}; for example npm run check:scale -- 100\n`,
  );
  process.exit(2);
}
const modelCount = Number(argument);
const input = JSON.parse(readFileSync(path.join(root, 'config', 'platform.json'), 'utf8'));
const [sample] = input.models ?? [];
if (!sample) {
  process.stderr.write(
    'check:scale: config/platform.json has no model to copy; add one with npm run new-model -- <name>\n',
  );
  process.exit(2);
}
// the top stage: every capability that is built, with Lambda bundling skipped (it is tested on its own)
input.maturity = 5;
// every copy trains with the code package of the first model
input.models = Array.from({ length: modelCount }, (_, i) => ({
  ...sample,
  name: `model${String(i + 1).padStart(2, '0')}`,
  training: { ...sample.training, package: sample.training?.package ?? sample.name.replace(/-/g, '_') },
}));

const started = Date.now();
const config = resolveConfig(input);
const context = JSON.parse(readFileSync(path.join(root, 'cdk.json'), 'utf8')).context;
const app = new App({
  context: { ...context, '@aws-cdk/core:failSynthOnValidationErrors': false, 'aws:cdk:bundling-stacks': [] },
});
const environments = buildPlatform(app, config);
const assembly = app.synth();
const seconds = (Date.now() - started) / 1000;

const problems: string[] = failedValidations(assembly.directory);
let stacks = 0;
let largest = { resources: 0, bytes: 0, policy: 0 };
for (const env of environments) {
  for (const stack of assembly.getNestedAssembly(env.artifactId).stacks) {
    stacks += 1;
    const template = stack.template as {
      Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    };
    const resources = Object.keys(template.Resources).length;
    const bytes = Buffer.byteLength(JSON.stringify(template));
    if (resources > MAX_RESOURCES)
      problems.push(`${stack.hierarchicalId}: ${resources} resources (limit ${MAX_RESOURCES})`);
    if (bytes > MAX_TEMPLATE_BYTES)
      problems.push(`${stack.hierarchicalId}: ${bytes} bytes (limit ${MAX_TEMPLATE_BYTES})`);
    let policy = 0;
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
      // tokens render longer than the ARNs they become, so this over-estimates the real size
      const chars = JSON.stringify(resource.Properties?.PolicyDocument).replace(/\s/g, '').length;
      policy = Math.max(policy, chars);
      if (chars > MAX_POLICY_CHARS) problems.push(`${stack.hierarchicalId}/${id}: policy of ${chars} characters`);
    }
    largest = {
      resources: Math.max(largest.resources, resources),
      bytes: Math.max(largest.bytes, bytes),
      policy: Math.max(largest.policy, policy),
    };
  }
}
process.stdout.write(
  `${modelCount} models x ${environments.length} environments: ${stacks} stacks synthesized and checked in ${seconds.toFixed(1)} s; ` +
    `largest stack ${largest.resources} resources, ${(largest.bytes / 1024).toFixed(0)} KB; largest managed policy ${largest.policy} characters\n`,
);
if (problems.length > 0) {
  process.stderr.write(`${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exitCode = 1;
}
