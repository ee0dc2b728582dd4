import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { VERDICT_DECISION_KEY, VERDICT_MODE_KEY } from '../../lambda/rollout/rollout';
import { PLATFORM_EVENT_SOURCE, PLATFORM_EVENT_TYPES } from '../../lib/vocabulary';

// The gate (Python, ml/mlops_shared/promotion.py) and the rollout (lambda/rollout) speak through the verdict on the
// model package and the platform's events; neither can import lib/vocabulary.ts, so the words are pinned here.

const GATE = readFileSync(path.resolve(__dirname, '..', '..', 'ml', 'mlops_shared', 'promotion.py'), 'utf8');
const constant = (name: string) => new RegExp(`^${name} = "([^"]*)"`, 'm').exec(GATE)?.[1];

test('GIVEN the gate WHEN it publishes its verdict THEN it uses the platform event source and the Promotion Verdict type', () => {
  expect(constant('EVENT_SOURCE')).toBe(PLATFORM_EVENT_SOURCE);
  expect(constant('EVENT_TYPE')).toBe(PLATFORM_EVENT_TYPES.promotionVerdict);
});

test('GIVEN the rollout WHEN it reads the verdict THEN it reads the keys the gate writes', () => {
  const prefix = constant('METADATA_PREFIX');
  expect(`${prefix}decision`).toBe(VERDICT_DECISION_KEY);
  expect(`${prefix}mode`).toBe(VERDICT_MODE_KEY);
  expect(GATE).toContain('"decision": verdict.decision');
  expect(GATE).toContain('"mode": verdict.mode');
});
