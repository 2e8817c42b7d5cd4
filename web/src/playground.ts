/**
 * The playground at `/`: an API key, two frames, the spec's parameters, a price quote, then the task followed
 * through its event stream to the video, the key's recent tasks and its money.
 */
import { ApiFailure, callApi, describeFailure } from './api.js';
import { byId, say } from './dom.js';
import { followTask } from './event-stream.js';
import { FramePicker } from './frame-picker.js';
import { KeyAccount } from './key-account.js';
import { checkAspects, checkBodySize, checkPrompt, promptLength, type FrameProblem } from './image-checks.js';
import { RecentTasks } from './recent-tasks.js';
import { TaskView } from './task-view.js';
import { isTerminal, type PrechargeAnswer, type TaskObject } from './types.js';

const MODEL = 'viduq2_pro_start_end2video';
const KEY_STORAGE = 'inbetween.apiKey';
// The price depends on the parameters only, so quotes carry this 1x1 PNG instead of uploading the frames
// again on every change.
const QUOTE_IMAGE =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

const form = byId('generate-form', HTMLFormElement);
const keyInput = byId('api-key', HTMLInputElement);
const prompt = byId('prompt', HTMLTextAreaElement);
const promptCount = byId('prompt-count', HTMLElement);
const promptError = byId('prompt-error', HTMLElement);
const seed = byId('seed', HTMLInputElement);
const watermark = byId('watermark', HTMLInputElement);
const quoteOutput = byId('quote', HTMLOutputElement);
const formError = byId('form-error', HTMLElement);
const generate = byId('generate', HTMLButtonElement);

const start = new FramePicker('start', 'images[0]', () => onFramesChanged());
const end = new FramePicker('end', 'images[1]', () => onFramesChanged());
const view = new TaskView(
  (id) => void cancel(id),
  () => keyInput.value.trim(),
);
const recent = new RecentTasks(
  () => keyInput.value.trim(),
  (task) => void open(task),
);
const account = new KeyAccount(() => keyInput.value.trim());
let following: AbortController | null = null;

function value(id: string): string {
  const element = document.getElementById(id);
  const isControl =
    element instanceof HTMLInputElement ||
    element instanceof HTMLSelectElement ||
    element instanceof HTMLTextAreaElement;
  if (!isControl) throw new Error(`#${id} is missing or not a form control`);
  return element.value;
}

function checked(id: string): boolean {
  return byId(id, HTMLInputElement).checked;
}

/** The spec's parameters from the form; empty optional fields are left out, so the server's defaults apply. */
function readParams(): Record<string, unknown> {
  const params: Record<string, unknown> = {
    model: MODEL,
    prompt: prompt.value,
    duration: Number(value('duration')),
    resolution: value('resolution'),
    movement_amplitude: value('movement'),
    // A value the number input cannot read ('1e99', '-') is sent as it is, for the server to name.
    seed: seed.value.trim() === '' ? 0 : Number.isNaN(seed.valueAsNumber) ? seed.value : seed.valueAsNumber,
    bgm: checked('bgm'),
    is_rec: checked('is-rec'),
    off_peak: checked('off-peak'),
    watermark: watermark.checked,
    wm_position: Number(value('wm-position')),
  };
  const optional: [string, string][] = [
    ['wm_url', watermark.checked ? value('wm-url') : ''],
    ['callback_url', value('callback-url')],
    ['payload', value('payload')],
    ['meta_data', value('meta-data')],
  ];
  for (const [name, text] of optional) if (text.trim() !== '') params[name] = text.trim();
  return params;
}

/** Every rule the page can check by itself; shows each where it belongs and answers them in form order. */
function problems(): FrameProblem[] {
  const aspects = checkAspects(start.frame, end.frame);
  start.show(aspects?.param === 'images[0]' ? aspects : null);
  end.show(aspects?.param === 'images[1]' ? aspects : null);
  const promptProblem = checkPrompt(prompt.value);
  say(promptError, promptProblem ? `${promptProblem.code}: ${promptProblem.message}` : '');
  prompt.toggleAttribute('aria-invalid', promptProblem !== null);
  const sizes = [start.frame, end.frame].flatMap((frame) => (frame ? [frame.file.size] : []));
  return [start.problem, end.problem, aspects, promptProblem, checkBodySize(sizes)].filter(
    (problem): problem is FrameProblem => problem !== null,
  );
}

function onFramesChanged(): void {
  say(formError, '');
  const found = problems();
  const body = found.find((problem) => problem.code === 'body_too_large');
  if (body) say(formError, `${body.code}: ${body.message}`);
}

let quoteTimer: ReturnType<typeof setTimeout> | undefined;
let quoteRequest: AbortController | null = null;

/** Asks the server for the price a moment after the last change (a quote needs the key, not the frames). */
function scheduleQuote(): void {
  clearTimeout(quoteTimer);
  quoteTimer = setTimeout(() => void quote(), 250);
}

async function quote(): Promise<void> {
  quoteRequest?.abort();
  const token = keyInput.value.trim();
  if (!token) {
    quoteOutput.value = 'enter an API key for a quote';
    return;
  }
  const controller = new AbortController();
  quoteRequest = controller;
  try {
    const body = { ...readParams(), images: end.chosen ? [QUOTE_IMAGE, QUOTE_IMAGE] : [QUOTE_IMAGE] };
    const { data } = await callApi<PrechargeAnswer>('/model/v1/generation/precharge', {
      token,
      body,
      signal: controller.signal,
    });
    quoteOutput.value = `$${data.cost}` + (data.discount !== 1 ? ` (×${data.discount} off-peak)` : '');
  } catch (error) {
    if (controller.signal.aborted) return;
    quoteOutput.value = `— (${describeFailure(error)})`;
  }
}

function onPromptInput(): void {
  const length = promptLength(prompt.value);
  promptCount.textContent = `${length} / 2000`;
  promptCount.classList.toggle('over', length > 2000);
  if (length > 2000 || prompt.hasAttribute('aria-invalid')) problems();
}

async function submit(): Promise<void> {
  say(formError, '');
  const token = keyInput.value.trim();
  if (!token) {
    say(formError, 'unauthorized: Enter an API key first.');
    keyInput.focus();
    return;
  }
  // A frame picked a moment ago may still be decoding.
  await Promise.all([start.settled, end.settled]);
  if (!start.chosen) {
    start.show({
      code: '002014001',
      param: 'images',
      message: 'Expected 1 or 2 images for images but received none',
    });
    byId('start-file', HTMLInputElement).focus();
    return;
  }
  const found = problems();
  if (found.length > 0) {
    say(formError, `Not sent: ${found.map((problem) => problem.code).join(', ')} (see above).`);
    focusProblem(found[0]);
    return;
  }
  generate.disabled = true;
  generate.textContent = 'Sending…';
  try {
    const images = [await start.dataUri(), ...(end.frame ? [await end.dataUri()] : [])];
    const params = readParams();
    const task = await callApi<TaskObject>('/model/v1/generation', { token, body: { ...params, images } });
    show(task, params.callback_url !== undefined);
    recent.update(task);
    view.focus();
    // Creating held the task's price.
    void account.refresh();
    void follow(task, token);
  } catch (error) {
    say(formError, describeFailure(error));
    if (error instanceof ApiFailure && error.param) {
      const picker = [start, end].find((candidate) => candidate.param === error.param);
      picker?.show({ code: error.code, param: error.param, message: error.message });
    }
  } finally {
    generate.disabled = false;
    generate.textContent = 'Generate';
  }
}

function focusProblem(problem: FrameProblem): void {
  const id =
    problem.param === 'images[1]' ? 'end-file' : problem.param === 'prompt' ? 'prompt' : 'start-file';
  byId(id, HTMLElement).focus();
}

/** The task in the panel, its status followed by the backend that renders it ("Rendering, 40% · vidu"). */
function show(task: TaskObject, hasCallbacks?: boolean): void {
  view.show(task, hasCallbacks);
  const backend = (task.metadata as { backend?: unknown } | undefined)?.backend;
  const status = byId('task-status', HTMLElement);
  if (typeof backend === 'string') status.textContent = `${status.textContent ?? ''} · ${backend}`;
}

/** Follows a task to its end, updating the panel and its row in the list. */
async function follow(task: TaskObject, token: string): Promise<void> {
  following?.abort();
  if (isTerminal(task.status)) return;
  const controller = new AbortController();
  following = controller;
  try {
    await followTask(task.id, {
      token,
      signal: controller.signal,
      onTask: (update) => {
        if (view.taskId === update.id) show(update);
        recent.update(update);
        // The end of a task charges or refunds its hold.
        if (isTerminal(update.status)) void account.refresh();
      },
    });
  } catch (error) {
    if (!controller.signal.aborted) say(byId('task-error', HTMLElement), describeFailure(error));
  }
}

async function open(task: TaskObject): Promise<void> {
  const token = keyInput.value.trim();
  show(task);
  view.focus();
  try {
    const latest = await callApi<TaskObject>(`/model/v1/generation/task/${encodeURIComponent(task.id)}`, {
      token,
    });
    show(latest);
    recent.update(latest);
    await follow(latest, token);
  } catch (error) {
    say(byId('task-error', HTMLElement), describeFailure(error));
  }
}

async function cancel(id: string): Promise<void> {
  try {
    const task = await callApi<TaskObject>(`/model/v1/generation/task/${encodeURIComponent(id)}/cancel`, {
      token: keyInput.value.trim(),
      method: 'POST',
    });
    show(task);
    recent.update(task);
    void account.refresh();
  } catch (error) {
    say(byId('task-error', HTMLElement), describeFailure(error));
  }
}

function setUpKey(): void {
  keyInput.value = localStorage.getItem(KEY_STORAGE) ?? '';
  keyInput.addEventListener('change', () => {
    const token = keyInput.value.trim();
    if (token) localStorage.setItem(KEY_STORAGE, token);
    else localStorage.removeItem(KEY_STORAGE);
    scheduleQuote();
    void recent.refresh();
    void account.refresh();
  });
  const show = byId('api-key-show', HTMLButtonElement);
  show.addEventListener('click', () => {
    const visible = keyInput.type === 'password';
    keyInput.type = visible ? 'text' : 'password';
    show.textContent = visible ? 'Hide' : 'Show';
    show.setAttribute('aria-pressed', String(visible));
  });
  byId('api-key-forget', HTMLButtonElement).addEventListener('click', () => {
    keyInput.value = '';
    keyInput.dispatchEvent(new Event('change'));
    keyInput.focus();
  });
}

setUpKey();
form.addEventListener('input', scheduleQuote);
form.addEventListener('change', scheduleQuote);
prompt.addEventListener('input', onPromptInput);
watermark.addEventListener('change', () => {
  byId('wm-position', HTMLSelectElement).disabled = !watermark.checked;
  byId('wm-url', HTMLInputElement).disabled = !watermark.checked;
});
form.addEventListener('submit', (event) => {
  event.preventDefault();
  void submit();
});
scheduleQuote();
void recent.refresh();
void account.refresh();
document.documentElement.dataset.ready = 'true';
