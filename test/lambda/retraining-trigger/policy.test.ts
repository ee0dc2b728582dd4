import {
  decide,
  formatBytes,
  INITIAL_STATE,
  isInsideWindow,
  type NewObject,
  parseWindow,
  policyProblems,
  type RetrainingPolicy,
  type TriggerState,
} from '../../../lambda/retraining-trigger/policy';

const POLICY: RetrainingPolicy = { minNewObjects: 1, minNewBytes: 0, cooldownMinutes: 60, maxRunsPerDay: 3 };

function newObject(overrides: Partial<NewObject> = {}): NewObject {
  return {
    bucket: 'raw',
    key: 'training-data/churn/part-0001.csv',
    size: 1_000,
    sequencer: '0062E99A88DC407460',
    eventTime: '2025-03-01T02:55:00Z',
    eventId: 'event-1',
    ...overrides,
  };
}

function state(overrides: Partial<TriggerState> = {}): TriggerState {
  return { ...INITIAL_STATE, ...overrides };
}

const at = (iso: string) => new Date(iso);

describe('decide', () => {
  describe('GIVEN a cooldown of 60 minutes after a run at 03:00', () => {
    const lastRun = state({ lastRunAt: '2025-03-01T03:00:00.000Z', runsDay: '2025-03-01', runsToday: 1 });

    test('WHEN an object arrives one second before the cooldown ends THEN it is skipped for the cooldown', () => {
      const decision = decide(lastRun, newObject(), POLICY, at('2025-03-01T03:59:59Z'));

      expect(decision).toMatchObject({ action: 'skip', reason: 'cooldown' });
      expect(decision.detail).toContain('ends at 2025-03-01T04:00:00.000Z');
    });

    test('WHEN an object arrives exactly when the cooldown ends THEN a run starts', () => {
      expect(decide(lastRun, newObject(), POLICY, at('2025-03-01T04:00:00Z'))).toMatchObject({
        action: 'start',
        reason: 'start',
      });
    });

    test('WHEN an object arrives one second after the cooldown ends THEN a run starts', () => {
      expect(decide(lastRun, newObject(), POLICY, at('2025-03-01T04:00:01Z')).action).toBe('start');
    });

    test('WHEN the cooldown is 0 THEN a run may start right after the last one', () => {
      const decision = decide(lastRun, newObject(), { ...POLICY, cooldownMinutes: 0 }, at('2025-03-01T03:00:00Z'));
      expect(decision.action).toBe('start');
    });

    test('WHEN it is skipped THEN the object stays pending and the last run is kept', () => {
      const decision = decide(lastRun, newObject({ size: 500 }), POLICY, at('2025-03-01T03:30:00Z'));

      expect(decision.nextState).toEqual({
        pendingObjects: 1,
        pendingBytes: 500,
        pendingSince: '2025-03-01T02:55:00Z',
        lastRunAt: '2025-03-01T03:00:00.000Z',
        runsDay: '2025-03-01',
        runsToday: 1,
      });
    });
  });

  describe('GIVEN a cap of 3 runs per day', () => {
    const policy = { ...POLICY, cooldownMinutes: 0 };

    test('WHEN 3 runs started today THEN the next is skipped for the daily cap', () => {
      const capped = state({ lastRunAt: '2025-03-01T10:00:00.000Z', runsDay: '2025-03-01', runsToday: 3 });

      const decision = decide(capped, newObject(), policy, at('2025-03-01T23:59:59Z'));

      expect(decision).toMatchObject({ action: 'skip', reason: 'daily-cap' });
      expect(decision.detail).toContain('3 of 3 runs today');
    });

    test('WHEN 2 runs started today THEN the third starts and is counted', () => {
      const two = state({ lastRunAt: '2025-03-01T10:00:00.000Z', runsDay: '2025-03-01', runsToday: 2 });

      const decision = decide(two, newObject(), policy, at('2025-03-01T11:00:00Z'));

      expect(decision.action).toBe('start');
      expect(decision.nextState).toMatchObject({ runsDay: '2025-03-01', runsToday: 3 });
    });

    test('WHEN the cap was reached yesterday THEN the count resets at midnight UTC and a run starts', () => {
      const yesterday = state({ lastRunAt: '2025-03-01T23:00:00.000Z', runsDay: '2025-03-01', runsToday: 3 });

      const decision = decide(yesterday, newObject(), policy, at('2025-03-02T00:00:00Z'));

      expect(decision.action).toBe('start');
      expect(decision.nextState).toMatchObject({ runsDay: '2025-03-02', runsToday: 1 });
    });
  });

  describe('GIVEN minimums of 3 objects and 1 MB', () => {
    const policy = { ...POLICY, minNewObjects: 3, minNewBytes: 1_000_000 };

    test('WHEN the object makes 2 of 3 objects THEN it is skipped below the minimum, even with enough bytes', () => {
      const decision = decide(
        state({ pendingObjects: 1, pendingBytes: 5_000_000 }),
        newObject(),
        policy,
        at('2025-03-01T03:00:00Z'),
      );

      expect(decision).toMatchObject({ action: 'skip', reason: 'below-minimum' });
      expect(decision.nextState).toMatchObject({ pendingObjects: 2, pendingBytes: 5_001_000 });
      expect(decision.detail).toBe('2 objects, 5.0 MB pending; a run needs 3 objects and 1.0 MB');
    });

    test('WHEN the object makes 3 objects but 1 byte short of 1 MB THEN it is skipped below the minimum', () => {
      const short = state({ pendingObjects: 2, pendingBytes: 998_999 });

      expect(decide(short, newObject(), policy, at('2025-03-01T03:00:00Z')).reason).toBe('below-minimum');
    });

    test('WHEN the object makes exactly 3 objects and 1 MB THEN a run starts and the pending data resets', () => {
      const exact = state({ pendingObjects: 2, pendingBytes: 999_000, pendingSince: '2025-03-01T01:00:00Z' });

      const decision = decide(exact, newObject(), policy, at('2025-03-01T03:00:00Z'));

      expect(decision.action).toBe('start');
      expect(decision.triggerReason).toBe('new-data: 3 objects, 1.0 MB since 2025-03-01T01:00:00Z');
      expect(decision.nextState).toEqual({
        pendingObjects: 0,
        pendingBytes: 0,
        lastRunAt: '2025-03-01T03:00:00.000Z',
        runsDay: '2025-03-01',
        runsToday: 1,
      });
    });

    test('WHEN data is also outside the window and in cooldown THEN the reason is the first unmet check: the minimum', () => {
      const everything = state({ lastRunAt: '2025-03-01T11:59:00.000Z', runsDay: '2025-03-01', runsToday: 3 });
      const strict = { ...policy, allowedWindow: parseWindow('02:00-06:00') };

      expect(decide(everything, newObject(), strict, at('2025-03-01T12:00:00Z')).reason).toBe('below-minimum');
    });
  });

  describe('GIVEN an allowed window of 02:00-06:00 UTC', () => {
    const policy = { ...POLICY, allowedWindow: parseWindow('02:00-06:00') };

    test.each([
      ['01:59:59', 'skip', 'outside-window'],
      ['02:00:00', 'start', 'start'],
      ['05:59:59', 'start', 'start'],
      ['06:00:00', 'skip', 'outside-window'],
    ])('WHEN an object arrives at %s THEN the action is %s (%s)', (time, action, reason) => {
      expect(decide(INITIAL_STATE, newObject(), policy, at(`2025-03-01T${time}Z`))).toMatchObject({ action, reason });
    });

    test('WHEN it is skipped outside the window THEN the detail names the window', () => {
      expect(decide(INITIAL_STATE, newObject(), policy, at('2025-03-01T12:00:00Z')).detail).toContain(
        'runs may start only in 02:00-06:00 UTC',
      );
    });
  });

  describe('GIVEN an allowed window of 22:00-02:00 UTC, which crosses midnight', () => {
    const policy = { ...POLICY, allowedWindow: parseWindow('22:00-02:00') };

    test.each([
      ['21:59:59', 'skip'],
      ['22:00:00', 'start'],
      ['23:59:59', 'start'],
      ['00:00:00', 'start'],
      ['01:59:59', 'start'],
      ['02:00:00', 'skip'],
      ['12:00:00', 'skip'],
    ])('WHEN an object arrives at %s THEN the action is %s', (time, action) => {
      expect(decide(INITIAL_STATE, newObject(), policy, at(`2025-03-01T${time}Z`)).action).toBe(action);
    });
  });

  test('GIVEN pending data WHEN more arrives THEN the time of the oldest pending object is kept', () => {
    const pending = state({ pendingObjects: 1, pendingBytes: 1, pendingSince: '2025-02-28T08:00:00Z' });
    const policy = { ...POLICY, minNewObjects: 5 };

    expect(decide(pending, newObject(), policy, at('2025-03-01T03:00:00Z')).nextState.pendingSince).toBe(
      '2025-02-28T08:00:00Z',
    );
  });
});

describe('parseWindow', () => {
  test('GIVEN HH:MM-HH:MM THEN it is minutes after midnight, start inclusive and end exclusive', () => {
    expect(parseWindow('02:30-06:00')).toEqual({ startMinute: 150, endMinute: 360 });
    expect(parseWindow(' 22:00-02:00 ')).toEqual({ startMinute: 1320, endMinute: 120 });
  });

  test('GIVEN an empty string THEN there is no window', () => {
    expect(parseWindow('')).toBeUndefined();
  });

  test.each(['2:00-06:00', '02:00-24:00', '02:00', '02:00-06:60', 'always'])('GIVEN %p THEN it is refused', (text) => {
    expect(() => parseWindow(text)).toThrow(`allowed window must look like 'HH:MM-HH:MM' (UTC), got '${text}'`);
  });

  test('GIVEN a window that starts when it ends THEN it is refused', () => {
    expect(() => parseWindow('02:00-02:00')).toThrow("must not start and end at the same time, got '02:00-02:00'");
  });

  test('GIVEN a window THEN the minute it ends is outside', () => {
    const window = { startMinute: 0, endMinute: 1 };
    expect(isInsideWindow(window, at('2025-03-01T00:00:59Z'))).toBe(true);
    expect(isInsideWindow(window, at('2025-03-01T00:01:00Z'))).toBe(false);
  });
});

describe('policyProblems', () => {
  test('GIVEN valid limits THEN there is no problem', () => {
    expect(policyProblems(POLICY)).toEqual([]);
  });

  test('GIVEN every limit out of range THEN each is listed with its value', () => {
    expect(policyProblems({ minNewObjects: 0, minNewBytes: -1, cooldownMinutes: 1.5, maxRunsPerDay: 0 })).toEqual([
      'minNewObjects must be a whole number of at least 1, got 0',
      'minNewBytes must be a whole number of at least 0, got -1',
      'cooldownMinutes must be a whole number of at least 0, got 1.5',
      'maxRunsPerDay must be a whole number of at least 1, got 0',
    ]);
  });
});

test('formatBytes uses decimal units with one decimal', () => {
  expect([0, 999, 1_000, 3_400_000, 2_500_000_000].map(formatBytes)).toEqual([
    '0 B',
    '999 B',
    '1.0 KB',
    '3.4 MB',
    '2.5 GB',
  ]);
});
