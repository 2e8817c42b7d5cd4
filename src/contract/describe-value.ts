// Long strings (a 20 MB data URI) must not be echoed back into an error message.
const MAX_SHOWN = 48;

/**
 * How an error message names a value the caller sent: `9`, `true`, `null`, `the string "5"`, `an array of 3
 * items`, `an object`. Strings are quoted so `5` and `"5"` read differently, and cut at 48 characters.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    if (value === '') return 'an empty string';
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}...` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    return value.length === 1 ? 'an array of 1 item' : `an array of ${value.length} items`;
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
