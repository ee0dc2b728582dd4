import { isRetryable, type RetryOptions, withRetries } from '../../../lambda/retraining-trigger/clients';

function retry(overrides: Partial<RetryOptions> = {}) {
  const sleeps: number[] = [];
  const options: RetryOptions = {
    maxAttempts: 4,
    baseDelayMs: 200,
    maxDelayMs: 500,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    ...overrides,
  };
  return { options, sleeps };
}

const error = (name: string, extra: object = {}) => Object.assign(new Error(name), { name, ...extra });

describe('withRetries', () => {
  test('GIVEN a call that is throttled twice THEN it is called three times with doubling, capped backoff', async () => {
    const { options, sleeps } = retry({ maxDelayMs: 300 });
    const call = jest
      .fn()
      .mockRejectedValueOnce(error('ThrottlingException'))
      .mockRejectedValueOnce(error('ThrottlingException'))
      .mockResolvedValue('started');

    await expect(withRetries(call, options)).resolves.toBe('started');

    expect(call).toHaveBeenCalledTimes(3);
    expect(sleeps).toEqual([200, 300]);
  });

  test('GIVEN a call that is always throttled THEN the last error is thrown after the attempts are spent', async () => {
    const { options, sleeps } = retry();
    const call = jest.fn().mockRejectedValue(error('ThrottlingException'));

    await expect(withRetries(call, options)).rejects.toMatchObject({ name: 'ThrottlingException' });

    expect(call).toHaveBeenCalledTimes(4);
    expect(sleeps).toHaveLength(3);
  });

  test('GIVEN a validation error THEN it is thrown at once', async () => {
    const { options, sleeps } = retry();
    const call = jest.fn().mockRejectedValue(error('ValidationException'));

    await expect(withRetries(call, options)).rejects.toMatchObject({ name: 'ValidationException' });

    expect(call).toHaveBeenCalledTimes(1);
    expect(sleeps).toEqual([]);
  });

  test('GIVEN full jitter THEN each delay is a random share of its ceiling', async () => {
    const { options, sleeps } = retry({ random: () => 0.5 });
    const call = jest.fn().mockRejectedValueOnce(error('ThrottlingException')).mockResolvedValue('ok');

    await withRetries(call, options);

    expect(sleeps).toEqual([100]);
  });
});

describe('isRetryable', () => {
  test.each([
    ['ThrottlingException', error('ThrottlingException'), true],
    ['a 500', error('InternalServerError', { $metadata: { httpStatusCode: 500 } }), true],
    ['a 429', error('Unknown', { $metadata: { httpStatusCode: 429 } }), true],
    ['a connection reset', error('Error', { code: 'ECONNRESET' }), true],
    ['an error the SDK marks retryable', error('Whatever', { $retryable: {} }), true],
    ['ValidationException (400)', error('ValidationException', { $metadata: { httpStatusCode: 400 } }), false],
    ['ConflictException', error('ConflictException'), false],
    ['AccessDeniedException', error('AccessDeniedException', { $metadata: { httpStatusCode: 403 } }), false],
    ['not an error', 'throttled', false],
  ])('%s -> %s', (_name, input, expected) => {
    expect(isRetryable(input)).toBe(expected);
  });
});
