export { decodeListCursor, encodeListCursor, InvalidCursorError, type ListPosition } from './list-cursor.js';
export { MIGRATIONS, migrate, type Migration } from './sqlite/migrations.js';
export {
  openSqliteStore,
  SqliteTaskStore,
  VersionConflictError,
  type SqliteStoreOptions,
} from './sqlite/sqlite-task-store.js';
export type {
  ApiKeyRecord,
  ClaimOptions,
  ExpireOffPeakOptions,
  HeartbeatOptions,
  InsertTaskOptions,
  InsertTaskResult,
  ListTasksOptions,
  NewTask,
  RequeueOptions,
  RequeueResult,
  RetentionResult,
  StoredRequest,
  StoredTask,
  TaskError,
  TaskOutput,
  TaskPage,
  TaskStore,
  TransitionRefusal,
  TransitionResult,
} from './task-store.js';
