import pg from 'pg';

const INT8_OID = 20;

/**
 * Parses a BIGINT (money, timestamps, ledger ids, counts) to an exact number. pg answers BIGINT as text by
 * default, and `Number()` on it would silently round past 2^53; a value there is refused instead, so micro-dollars
 * are exact or the query fails. A parse error rejects the query it belongs to.
 */
export function parseExactInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Expected a BIGINT within ±(2^53 - 1) but received ${text}`);
  }
  return value;
}

/**
 * The type parsers of the store's connections only (not pg's global table, which other users of `pg` in the
 * process, pg-boss among them, keep as they expect it).
 */
export const EXACT_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): ((text: string) => unknown) =>
    oid === INT8_OID && format !== 'binary'
      ? parseExactInt8
      : (pg.types.getTypeParser(oid, format ?? 'text') as (
          text: string,
        ) => unknown)) as pg.CustomTypesConfig['getTypeParser'],
};
