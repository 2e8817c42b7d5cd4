/** A `cursor` that this store did not hand out (or that was altered). */
export class InvalidCursorError extends Error {
  readonly code = 'invalid_cursor';

  constructor(cursor: string) {
    super(`Expected a cursor from a previous page but received ${JSON.stringify(cursor.slice(0, 64))}`);
    this.name = 'InvalidCursorError';
  }
}

/** Where a page ends: the last task's creation time and id (ids break ties between equal times). */
export interface ListPosition {
  createdAtMs: number;
  id: string;
}

/** The opaque cursor for a position: base64url JSON, so callers do not come to rely on its shape. */
export function encodeListCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAtMs, position.id]), 'utf8').toString('base64url');
}

/** The position in a cursor from {@link encodeListCursor}; throws {@link InvalidCursorError} otherwise. */
export function decodeListCursor(cursor: string): ListPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError(cursor);
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !Number.isSafeInteger(parsed[0]) ||
    typeof parsed[1] !== 'string' ||
    parsed[1] === ''
  ) {
    throw new InvalidCursorError(cursor);
  }
  return { createdAtMs: parsed[0] as number, id: parsed[1] };
}
