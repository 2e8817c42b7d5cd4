import { byId, formatSize, say } from './dom.js';
import { checkFileBytes, sniffImageFormat, type FrameProblem, type ImageFormat } from './image-checks.js';

/** A chosen frame that passed the checks a single file can fail. */
export interface PickedFrame {
  readonly file: File;
  readonly format: ImageFormat;
  /** As displayed, EXIF orientation applied (the browser applies it, as the server does). */
  readonly width: number;
  readonly height: number;
}

/**
 * One frame slot (start or end): a file input, a drop zone with a preview, and the frame's own checks (size,
 * format by its bytes, decodable). Rules that involve both frames are the page's, shown here through
 * {@link FramePicker.show}.
 */
export class FramePicker {
  readonly param: string;
  #input: HTMLInputElement;
  #drop: HTMLElement;
  #preview: HTMLImageElement;
  #empty: HTMLElement;
  #info: HTMLElement;
  #error: HTMLElement;
  #clear: HTMLButtonElement;
  #onChange: () => void;
  #frame: PickedFrame | null = null;
  #problem: FrameProblem | null = null;
  #objectUrl: string | null = null;
  #settled: Promise<void> = Promise.resolve();
  // Bumped on every pick, so a slow decode of an earlier pick cannot overwrite a later one.
  #generation = 0;

  constructor(prefix: 'start' | 'end', param: string, onChange: () => void) {
    this.param = param;
    this.#input = byId(`${prefix}-file`, HTMLInputElement);
    this.#drop = byId(`${prefix}-drop`, HTMLElement);
    this.#preview = byId(`${prefix}-preview`, HTMLImageElement);
    this.#empty = byId(`${prefix}-empty`, HTMLElement);
    this.#info = byId(`${prefix}-info`, HTMLElement);
    this.#error = byId(`${prefix}-error`, HTMLElement);
    this.#clear = byId(`${prefix}-clear`, HTMLButtonElement);
    this.#onChange = onChange;
    this.#preview.alt = `${prefix === 'start' ? 'Start' : 'End'} frame preview`;
    this.#input.addEventListener('change', () => void this.pick(this.#input.files?.[0] ?? null));
    this.#clear.addEventListener('click', () => {
      this.#input.value = '';
      void this.pick(null);
      this.#input.focus();
    });
    this.#drop.addEventListener('dragover', (event) => {
      event.preventDefault();
      this.#drop.classList.add('over');
    });
    this.#drop.addEventListener('dragleave', () => this.#drop.classList.remove('over'));
    this.#drop.addEventListener('drop', (event) => {
      event.preventDefault();
      this.#drop.classList.remove('over');
      const file = event.dataTransfer?.files[0];
      if (file) void this.pick(file);
    });
  }

  /** The frame, when one is chosen and passed its own checks. */
  get frame(): PickedFrame | null {
    return this.#frame;
  }

  /** Whether a file is chosen at all (it may have failed its checks). */
  get chosen(): boolean {
    return this.#problem !== null || this.#frame !== null;
  }

  /** The frame's own problem (size, format, decoding), if any. */
  get problem(): FrameProblem | null {
    return this.#problem;
  }

  /** Resolves once the latest pick has been checked. */
  get settled(): Promise<void> {
    return this.#settled;
  }

  /** Takes a file (or none), checks it and shows it; the page is told once the result is known. */
  pick(file: File | null): Promise<void> {
    this.#settled = this.#check(file);
    return this.#settled;
  }

  async #check(file: File | null): Promise<void> {
    const generation = ++this.#generation;
    this.#frame = null;
    this.#problem = null;
    this.#setPreview(null);
    say(this.#info, '');
    this.#clear.hidden = file === null;
    if (file !== null) {
      const head = new Uint8Array(await file.slice(0, 256).arrayBuffer());
      if (generation !== this.#generation) return;
      this.#problem = checkFileBytes(file.size, head, this.param);
      const format = sniffImageFormat(head);
      if (this.#problem === null && format !== null) {
        const url = URL.createObjectURL(file);
        this.#setPreview(url);
        try {
          await this.#preview.decode();
          if (generation !== this.#generation) return;
          const { naturalWidth: width, naturalHeight: height } = this.#preview;
          this.#frame = { file, format, width, height };
          say(this.#info, `${file.name}: ${format}, ${width}x${height}, ${formatSize(file.size)}`);
        } catch {
          if (generation !== this.#generation) return;
          this.#setPreview(null);
          this.#problem = {
            code: '002014006',
            param: this.param,
            message: `Could not decode the image for ${this.param}: the ${format} data is corrupt or cut short`,
          };
        }
      }
    }
    this.#onChange();
  }

  /** Shows the frame's own problem, else `other` (a rule about both frames that names this one), else none. */
  show(other: FrameProblem | null): void {
    const problem = this.#problem ?? other;
    say(this.#error, problem ? `${problem.code}: ${problem.message}` : '');
    if (problem) this.#input.setAttribute('aria-invalid', 'true');
    else this.#input.removeAttribute('aria-invalid');
    this.#drop.classList.toggle('invalid', problem !== null);
  }

  /** The frame as the API takes it: a data URI whose type is the one its bytes show, not the file's claim. */
  async dataUri(): Promise<string> {
    const frame = this.#frame;
    if (!frame) throw new Error(`no frame for ${this.param}`);
    const text = await new Promise<string>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () =>
        typeof reader.result === 'string' ? resolve(reader.result) : reject(new Error('not a data URL'));
      reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
      reader.readAsDataURL(frame.file);
    });
    return `data:image/${frame.format};base64,${text.slice(text.indexOf(',') + 1)}`;
  }

  #setPreview(url: string | null): void {
    if (this.#objectUrl) URL.revokeObjectURL(this.#objectUrl);
    this.#objectUrl = url;
    if (url) this.#preview.src = url;
    else this.#preview.removeAttribute('src');
    this.#preview.hidden = url === null;
    this.#empty.hidden = url !== null;
  }
}
