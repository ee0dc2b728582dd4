import type { DeployedComparison } from './deployed';
import type { MaturityReport } from './plan';

// How `npm run maturity` prints its reports: plain text, one block per environment.

const bullet = (text: string) => `    - ${text}`;

/** The offline report as text. */
export function renderMaturityReport(report: MaturityReport): string {
  const out: string[] = [`${report.project}: where each environment stands on the MLOps maturity path`, ''];
  for (const env of report.environments) {
    out.push(
      `${env.environment} (${env.kind}, account ${env.account}, ${env.region}): stage ${env.stage}, ${env.stageName}`,
    );
    out.push(`  answers: ${env.answers}`);
    out.push(`  capabilities in place (${env.capabilities.length}):`);
    for (const c of env.capabilities) {
      out.push(
        bullet(
          `${c.capability} (stage ${c.stage}${env.early.includes(c.capability) ? ', switched on early' : ''}): ${c.summary}`,
        ),
      );
    }
    if (!env.next) {
      out.push('  next: none, this is the top of the ladder. Keep managing the models as a portfolio: retire what no');
      out.push('        longer pays, watch cost and drift per model, and keep scanning for risks and opportunities.');
      out.push('');
      continue;
    }
    out.push(`  next: stage ${env.next.stage}, ${env.next.name}`);
    out.push(`  it answers: ${env.next.risk}`);
    out.push('  it adds:');
    for (const c of env.next.adds) out.push(bullet(`${c.capability}: ${c.summary}`));
    out.push('  config changes to get there:');
    for (const change of env.next.changes) out.push(bullet(change));
    if (env.next.considerations.length > 0) {
      out.push('  then consider:');
      for (const w of env.next.considerations) out.push(bullet(w));
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The comparison of deployed stacks with the config, as text. */
export function renderDeployedComparison(comparisons: readonly DeployedComparison[]): string {
  const out: string[] = ['deployed stacks compared with the config', ''];
  for (const c of comparisons) {
    const head = `${c.environment} (account ${c.account}, ${c.region})`;
    if (c.error) {
      out.push(`${head}: could not read the stacks: ${c.error}`, '');
      continue;
    }
    if (c.differences.length === 0) {
      out.push(`${head}: matches the config (${c.matching} stacks)`, '');
      continue;
    }
    out.push(
      `${head}: ${c.differences.length} difference${c.differences.length === 1 ? '' : 's'} (${c.matching} stacks match)`,
    );
    if (c.note) out.push(`  ${c.note}`);
    for (const d of c.differences) out.push(bullet(d.message));
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
