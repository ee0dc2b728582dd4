import {
  CAPABILITIES,
  CAPABILITY_DEFINITIONS,
  capabilitiesAtStage,
  highestImplementedStage,
  MATURITY_LADDER,
  missingPrerequisites,
  resolveMaturity,
  stageOfCapability,
} from '../lib/maturity';

describe('the maturity ladder', () => {
  test('lists the five stages in order, each answering a risk', () => {
    expect(MATURITY_LADDER.map((s) => s.stage)).toEqual([1, 2, 3, 4, 5]);
    for (const stage of MATURITY_LADDER) expect(stage.risk.length).toBeGreaterThan(20);
  });

  test('places every capability on exactly one stage', () => {
    const placed = MATURITY_LADDER.flatMap((s) => s.adds);
    expect([...placed].sort()).toEqual([...CAPABILITIES].sort());
  });

  test('each stage includes everything of the stage below it', () => {
    for (const stage of [2, 3, 4, 5] as const) {
      expect(capabilitiesAtStage(stage)).toEqual(expect.arrayContaining(capabilitiesAtStage((stage - 1) as 1)));
    }
  });

  test('a capability never requires one from a later stage', () => {
    for (const capability of CAPABILITIES) {
      for (const required of CAPABILITY_DEFINITIONS[capability].requires) {
        expect(stageOfCapability(required)).toBeLessThanOrEqual(stageOfCapability(capability));
      }
    }
  });

  test('every stage is self-consistent: no capability misses a prerequisite', () => {
    for (const stage of [1, 2, 3, 4, 5] as const) {
      expect(missingPrerequisites(new Set(capabilitiesAtStage(stage)))).toEqual([]);
    }
  });
});

describe('resolving an environment stage', () => {
  test('caps an unimplemented stage at the highest implemented one and says so', () => {
    // GIVEN stage 3 asked for, stage 1 implemented
    const resolved = resolveMaturity(3, [], 1);

    // THEN
    expect(resolved.effective).toBe(1);
    expect(resolved.warnings).toEqual([
      'maturity stage 3 is not implemented yet; synthesizing stage 1, the highest implemented stage',
    ]);
  });

  test('an implemented stage resolves silently', () => {
    const resolved = resolveMaturity(highestImplementedStage());
    expect(resolved.warnings).toEqual([]);
    expect(resolved.effective).toBe(highestImplementedStage());
  });

  test('an early capability that has no stacks yet is left out with a warning', () => {
    const resolved = resolveMaturity(1, ['featureStore'], 1);
    expect(resolved.capabilities.has('featureStore')).toBe(false);
    expect(resolved.warnings).toEqual([
      "capability 'featureStore' is switched on but not implemented yet; it is left out",
    ]);
  });

  test('an early capability that is implemented is added', () => {
    const resolved = resolveMaturity(1, ['experimentTracking'], 1);
    expect(resolved.capabilities.has('experimentTracking')).toBe(true);
  });
});
