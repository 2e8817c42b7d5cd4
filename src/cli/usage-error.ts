/** A command line the CLI cannot act on; printed with the usage and exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** "Expected X for name but received Y", the one shape of every bad-option message. */
export function expected(what: string, name: string, received: unknown): UsageError {
  return new UsageError(`Expected ${what} for ${name} but received ${JSON.stringify(received)}`);
}

export function parseIntegerOption(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw expected(`an integer ${min}..${max}`, name, raw);
  }
  return value;
}

export function parseChoiceOption<T extends string>(
  name: string,
  raw: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw))
    throw expected(`one of ${choices.join(', ')}`, name, raw);
  return raw as T;
}
