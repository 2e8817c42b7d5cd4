import { IDENTITY_AFFINE, type Affine } from './field-rows.js';
import { FIELD_CHANNELS, type IntermediateFields } from './intermediate-fields.js';
import { DRAW_YUV_WASM_BASE64 } from './wasm/draw-yuv-wasm.js';
import { yuv420Bytes, type Yuv420Image } from './yuv420.js';

/** The export of wasm/draw-yuv.ts; its arguments are byte offsets into the module's memory, then sizes. */
type DrawFrame = (
  start: number,
  end: number,
  out: number,
  width: number,
  height: number,
  fields: number,
  fw: number,
  fh: number,
  row: number,
  m0: number,
  m2: number,
  m4: number,
  m5: number,
) => void;

/** The part of the WebAssembly JavaScript API used here (this project's lib is ES2023 without the DOM's types). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

// Compiled once per thread (each render worker has its own instance and memory); 2 KB, so compiling
// synchronously costs well under a millisecond.
let compiled: object | null = null;

/** Where each array lives in the module's memory, for one frame size and one field size. */
interface Layout {
  readonly width: number;
  readonly height: number;
  readonly fw: number;
  readonly fh: number;
  readonly start: number;
  readonly end: number;
  readonly out: number;
  readonly fields: number;
  readonly row: number;
}

/**
 * Draws yuv420p frames with the WebAssembly build of the drawing, for cameras that map output rows to scene
 * rows (see `rowsStayStraight` in field-rows.ts). It keeps the keyframes in its memory between frames: they are copied in
 * when a different keyframe array is drawn from, so a clip's frames copy only their fields.
 */
export class WasmYuvDrawer {
  readonly #memory: WasmMemory;
  readonly #drawFrame: DrawFrame;
  /** The module's own scratch size for a frame width (its `scratchBytes`), so the two cannot disagree. */
  readonly #scratchBytes: (width: number) => number;
  #layout: Layout | null = null;
  #startSource: Uint8Array | null = null;
  #endSource: Uint8Array | null = null;
  #fieldsView: Float32Array | null = null;

  constructor() {
    compiled ??= new wasm.Module(Buffer.from(DRAW_YUV_WASM_BASE64, 'base64'));
    const instance = new wasm.Instance(compiled, {});
    this.#memory = instance.exports.memory as WasmMemory;
    this.#drawFrame = instance.exports.drawFrame as DrawFrame;
    this.#scratchBytes = instance.exports.scratchBytes as (width: number) => number;
  }

  /**
   * Fields of this frame size written straight into the module's memory: `intermediateFields` can fill them
   * in place, and drawing from them copies nothing. Valid until a frame of another size is drawn.
   */
  fieldsFor(width: number, height: number, fw: number, fh: number): IntermediateFields {
    this.#ensure(width, height, fw, fh);
    return { width: fw, height: fh, data: this.#fieldsView! };
  }

  /** Draws one frame into `out` (allocated when absent) and returns it. */
  draw(
    start: Yuv420Image,
    end: Yuv420Image,
    fields: IntermediateFields,
    camera: Affine | null,
    out?: Uint8Array,
  ): Uint8Array {
    const { width, height } = start;
    const layout = this.#ensure(width, height, fields.width, fields.height);
    const bytes = new Uint8Array(this.#memory.buffer);
    if (this.#startSource !== start.data) {
      bytes.set(start.data, layout.start);
      this.#startSource = start.data;
    }
    if (this.#endSource !== end.data) {
      bytes.set(end.data, layout.end);
      this.#endSource = end.data;
    }
    if (fields.data !== this.#fieldsView) this.#fieldsView!.set(fields.data);
    const m = camera ?? IDENTITY_AFFINE;
    this.#drawFrame(
      layout.start,
      layout.end,
      layout.out,
      width,
      height,
      layout.fields,
      layout.fw,
      layout.fh,
      layout.row,
      m[0],
      m[2],
      m[4],
      m[5],
    );
    const size = yuv420Bytes(width, height);
    const frame = out ?? new Uint8Array(size);
    frame.set(bytes.subarray(layout.out, layout.out + size));
    return frame;
  }

  #ensure(width: number, height: number, fw: number, fh: number): Layout {
    const current = this.#layout;
    if (current?.width === width && current.height === height && current.fw === fw && current.fh === fh) {
      return current;
    }
    const frame = align(yuv420Bytes(width, height));
    const fieldBytes = align(fw * fh * FIELD_CHANNELS * 4);
    // Page 0 is left to the module (AssemblyScript places its own static data there).
    const base = PAGE;
    const layout: Layout = {
      width,
      height,
      fw,
      fh,
      start: base,
      end: base + frame,
      out: base + 2 * frame,
      fields: base + 3 * frame,
      row: base + 3 * frame + fieldBytes,
    };
    const needed = layout.row + align(this.#scratchBytes(width));
    const pages = Math.ceil(needed / PAGE) - this.#memory.buffer.byteLength / PAGE;
    if (pages > 0) this.#memory.grow(pages);
    // Growing detaches every earlier view of the memory; the kept keyframes moved too.
    this.#layout = layout;
    this.#startSource = null;
    this.#endSource = null;
    this.#fieldsView = new Float32Array(this.#memory.buffer, layout.fields, fw * fh * FIELD_CHANNELS);
    return layout;
  }
}

const PAGE = 65536;

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

// One drawer per thread: frames of one render are drawn one after another on each worker thread.
let drawer: WasmYuvDrawer | null | undefined;

/**
 * This thread's drawer, or null where this Node cannot run WebAssembly SIMD (every x64 CPU since 2008 and
 * every arm64 one can; the JavaScript drawing then serves, slower, with the same frames).
 */
export function wasmYuvDrawer(): WasmYuvDrawer | null {
  if (drawer === undefined) {
    try {
      drawer = new WasmYuvDrawer();
    } catch {
      drawer = null;
    }
  }
  return drawer;
}
