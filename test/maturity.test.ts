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
  const upToStage = (stage: number) => (c: Parameters<typeof stageOfCapability>[0]) => stageOfCapability(c) <= stage;

  test('leaves out what is not built yet, names it, and says which stage is complete', () => {
    // GIVEN stage 3 asked for, only stage 1 built
    const resolved = resolveMaturity(3, [], upToStage(1));

    // THEN
    expect(resolved.effective).toBe(1);
    expect([...resolved.capabilities]).toEqual(capabilitiesAtStage(1));
    expect(resolved.warnings).toEqual([
      'maturity stage 3 is not fully implemented yet: modelRegistry, realtimeServing, batchScoring, trainingPipeline, containerRegistry are left out; stage 1 is the highest complete stage',
    ]);
  });

  test('a built capability of an unfinished stage is synthesized; one whose prerequisite is not built is left out', () => {
    // GIVEN stage 4 asked for, stages 1-2 built, plus the delivery pipeline and retraining triggers of stage 4
    const built = (c: Parameters<typeof stageOfCapability>[0]) =>
      upToStage(2)(c) || c === 'deliveryPipeline' || c === 'retrainingTriggers';
    const resolved = resolveMaturity(4, [], built);

    // THEN the pipeline is in; the triggers need the training pipeline of stage 3, which is not built
    expect(resolved.capabilities.has('deliveryPipeline')).toBe(true);
    expect(resolved.capabilities.has('retrainingTriggers')).toBe(false);
    expect(resolved.warnings).toContain(
      "capability 'retrainingTriggers' is left out: it needs trainingPipeline, which is not implemented yet",
    );
  });

  test('an implemented stage resolves silently', () => {
    const resolved = resolveMaturity(highestImplementedStage());
    expect(resolved.warnings).toEqual([]);
    expect(resolved.effective).toBe(highestImplementedStage());
  });

  test('an early capability that has no stacks yet is left out with a warning', () => {
    const resolved = resolveMaturity(1, ['featureStore'], upToStage(1));
    expect(resolved.capabilities.has('featureStore')).toBe(false);
    expect(resolved.warnings).toEqual([
      "capability 'featureStore' is switched on but not implemented yet; it is left out",
    ]);
  });

  test('an early capability that is implemented is added', () => {
    const resolved = resolveMaturity(1, ['experimentTracking'], upToStage(1));
    expect(resolved.capabilities.has('experimentTracking')).toBe(true);
  });
});
