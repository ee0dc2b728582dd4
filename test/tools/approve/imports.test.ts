import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './support';

// The approve command reads names only through lib/naming.ts and the resolved config, never from the stack
// classes or the CDK app (docs: DESIGN section 5, tools/approve/README.md). The binding itself is the one
// implementation it shares with the rollout state machine's function (lambda/rollout/binding.ts, ADR 0023).

const TOOL = path.join(REPO_ROOT, 'tools', 'approve');
const ALLOWED_LIB = ['../../lib/naming', '../../lib/config/loader', '../../lambda/rollout/binding'];

function importsOf(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  return [...code.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)';/gms)].map((match) => match[1] as string);
}

test('GIVEN the approve command THEN it imports from lib/ only naming and the config loader, the shared binding, and no CDK', () => {
  // GIVEN
  const files = readdirSync(TOOL).filter((name) => name.endsWith('.ts'));

  // WHEN
  const offending = files.flatMap((name) =>
    importsOf(path.join(TOOL, name))
      .filter(
        (spec) =>
          (spec.startsWith('../') && !ALLOWED_LIB.includes(spec)) ||
          spec === 'aws-cdk-lib' ||
          spec.startsWith('aws-cdk-lib/') ||
          spec === 'constructs',
      )
      .map((spec) => `${name}: ${spec}`),
  );

  // THEN
  expect(files).toEqual(expect.arrayContaining(['cli.ts', 'plan.ts', 'checks.ts', 'bind.ts']));
  expect(offending).toEqual([]);
});
