import {
  apiError,
  describeValue,
  statusesOfViduState,
  VIDU_STATES,
  type TaskStatus,
  type ViduState,
} from '../../contract/index.js';
import { encodeListCursor, type StoredTask } from '../../store/index.js';
import type { TaskService } from '../../tasks/task-service.js';

/** Vidu's page size limit. */
export const MAX_VIDU_PAGE = 100;
// Rows one list call reads at most while filtering, so a filter that matches little cannot scan every task;
// past it the page is answered short, with a token to go on from.
const MAX_SCANNED = 1_000;

/** `GET /ent/v2/tasks`'s query, as read from the URL. */
export interface ViduTaskQuery {
  statuses: ReadonlySet<TaskStatus> | null;
  taskIds: readonly string[] | null;
  fromMs: number | null;
  toMs: number | null;
  page: number;
  pageSize: number;
  pageToken: string | null;
}

type Raw = Record<string, string | string[] | undefined>;

/**
 * Reads Vidu's filters (`states`, `task_ids`, `created_at.from`, `created_at.to`) and pager (`pager.page`,
 * `pager.pagesz`, `pager.page_token`; Vidu's docs also spell it `paper.`, accepted too). Lists may repeat the
 * parameter or separate values with commas.
 */
export function parseViduTaskQuery(raw: Raw): ViduTaskQuery {
  const states = list(raw.states);
  for (const state of states ?? []) {
    if (!(VIDU_STATES as readonly string[]).includes(state)) {
      throw invalid('states', `a list of ${VIDU_STATES.join(', ')}`, state);
    }
  }
  const pageSize = integer(raw['pager.pagesz'] ?? raw['paper.pagesz'], 'pager.pagesz', 10);
  if (pageSize < 1 || pageSize > MAX_VIDU_PAGE) {
    throw invalid('pager.pagesz', `an integer 1..${MAX_VIDU_PAGE}`, String(pageSize));
  }
  return {
    statuses: states ? new Set(states.flatMap((state) => statusesOfViduState(state as ViduState))) : null,
    taskIds: list(raw.task_ids),
    fromMs: time(raw['created_at.from'], 'created_at.from'),
    toMs: time(raw['created_at.to'], 'created_at.to'),
    page: integer(raw['pager.page'] ?? raw['paper.page'], 'pager.page', 0),
    pageSize,
    pageToken: first(raw['pager.page_token'] ?? raw['paper.page_token']) || null,
  };
}

/**
 * One page of the key's tasks matching the query, newest first, over the task service's own paging (no second
 * copy of the tasks): `next_page_token` is the position after the last task read, empty on the last page.
 */
export async function findViduTasks(
  service: TaskService,
  keyId: string,
  query: ViduTaskQuery,
): Promise<{ tasks: StoredTask[]; nextPageToken: string }> {
  if (query.taskIds) {
    const found = await Promise.all(query.taskIds.map((id) => service.getTask(keyId, id).catch(() => null)));
    const tasks = found.filter((task): task is StoredTask => task !== null && matches(task, query));
    return {
      tasks: tasks.slice(query.page * query.pageSize, (query.page + 1) * query.pageSize),
      nextPageToken: '',
    };
  }
  const single = query.statuses?.size === 1 ? [...query.statuses][0] : undefined;
  // A page number without a token skips that many pages of matches first.
  let skip = query.pageToken ? 0 : query.page * query.pageSize;
  let cursor = query.pageToken ?? undefined;
  const tasks: StoredTask[] = [];
  let scanned = 0;
  for (;;) {
    const page = await service.listTasks(keyId, {
      limit: MAX_VIDU_PAGE,
      ...(single ? { status: single } : {}),
      ...(cursor ? { cursor } : {}),
    });
    for (const task of page.tasks) {
      scanned += 1;
      const older = query.fromMs !== null && task.createdAt.getTime() < query.fromMs;
      if (older) return { tasks, nextPageToken: '' };
      if (matches(task, query) && skip-- <= 0) tasks.push(task);
      const full = tasks.length === query.pageSize;
      if (full || scanned >= MAX_SCANNED) {
        const more = full ? page.tasks.at(-1) !== task || page.nextCursor !== null : true;
        return { tasks, nextPageToken: more ? positionAfter(task) : '' };
      }
    }
    if (page.nextCursor === null) return { tasks, nextPageToken: '' };
    cursor = page.nextCursor;
  }
}

function matches(task: StoredTask, query: ViduTaskQuery): boolean {
  if (query.statuses && !query.statuses.has(task.status)) return false;
  const at = task.createdAt.getTime();
  if (query.fromMs !== null && at < query.fromMs) return false;
  if (query.toMs !== null && at > query.toMs) return false;
  return true;
}

function positionAfter(task: StoredTask): string {
  return encodeListCursor({ createdAtMs: task.createdAt.getTime(), id: task.id });
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function list(value: string | string[] | undefined): string[] | null {
  if (value === undefined) return null;
  const items = (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(','));
  const cleaned = items.map((item) => item.trim()).filter((item) => item !== '');
  return cleaned.length === 0 ? null : cleaned;
}

function integer(value: string | string[] | undefined, name: string, fallback: number): number {
  const text = first(value);
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,9}$/.test(text)) throw invalid(name, 'a non-negative integer', text);
  return Number(text);
}

// An ISO time, or Unix seconds (what inbetween's own task objects carry).
function time(value: string | string[] | undefined, name: string): number | null {
  const text = first(value);
  if (text === undefined || text === '') return null;
  const ms = /^\d{1,12}$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(ms)) throw invalid(name, 'an ISO time or Unix seconds', text);
  return ms;
}

function invalid(param: string, expected: string, received: string): Error {
  return apiError('002014010', { param, values: { expected, received: describeValue(received) } });
}
