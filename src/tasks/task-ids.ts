import { randomBytes } from 'node:crypto';

/** A task id: a prefix that says what it is, and 24 url-safe random characters (144 bits). */
export function newTaskId(): string {
  return `task_${randomBytes(18).toString('base64url')}`;
}
