import { z } from 'zod';

/** Shared field builders of the config schema. */

/** A value as an error message quotes it. */
export const quoted = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** A name that becomes part of AWS resource names: lowercase letters, digits and hyphens. */
export const resourceName = (what: string, max: number) =>
  z.string().regex(new RegExp(`^[a-z][a-z0-9-]{0,${max - 2}}[a-z0-9]$|^[a-z]$`), {
    error: (iss) =>
      `expected a ${what} of lowercase letters, digits and hyphens (at most ${max} characters, starting with a letter), got ${quoted(iss.input)}`,
  });

/** A string checked by `problem`, which returns the message of a bad value (without the field path). */
export const checkedString = (problem: (value: string) => string | undefined) =>
  z.string().check((ctx) => {
    const message = problem(ctx.value);
    if (message !== undefined) ctx.issues.push({ code: 'custom', message, input: ctx.value });
  });
