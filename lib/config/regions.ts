import { RegionInfo } from 'aws-cdk-lib/region-info';
import { quoted } from './fields';

/**
 * The AWS regions a config may name: the region facts of aws-cdk-lib, so a new region arrives with a CDK
 * upgrade instead of a hand-typed list.
 */
export const KNOWN_REGIONS: readonly string[] = RegionInfo.regions.map((r) => r.name).sort();

/** Edit distance of two short strings (insertions, deletions and substitutions). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The region of `candidates` closest to `name` by spelling: the suggestion of a message. */
export function closestRegion(name: string, candidates: readonly string[] = KNOWN_REGIONS): string {
  let best = 'eu-west-1';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const region of candidates) {
    const d = distance(name.toLowerCase(), region);
    if (d < bestDistance) {
      best = region;
      bestDistance = d;
    }
  }
  return best;
}

/** The problem of a region value, without its field path, or `undefined` for a known region. */
export function regionProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && KNOWN_REGIONS.includes(value)) return undefined;
  const suggestion = typeof value === 'string' ? closestRegion(value) : 'eu-west-1';
  return `${quoted(value)} is not an AWS region; use one such as ${suggestion} (aws-cdk-lib knows ${KNOWN_REGIONS.length} regions)`;
}

/**
 * The problem of an availability zone name in `region`: the region followed by one letter, as in eu-west-1a.
 */
export function availabilityZoneProblem(zone: string, region: string): string | undefined {
  if (zone.startsWith(region) && /^[a-z]$/.test(zone.slice(region.length))) return undefined;
  return `${quoted(zone)} is not an availability zone of ${region}; use the region followed by a letter, such as "${region}a"`;
}
