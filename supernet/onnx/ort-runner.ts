/**
 * ONNX Runtime sessions for a fixed set of sub-networks (one session, holding its own copy of the weights, per
 * sub-network), run on NCHW float32 batches. CPU execution provider with the given intra-op threads; WebGPU only
 * when asked (the caller checks for a hardware adapter), with CPU as the fallback for operators it lacks.
 * @module
 */
import { statSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { INPUT_NAME, OUTPUT_NAME } from './model-proto.ts';

export type OrtProvider = 'cpu' | 'webgpu';

export interface OrtRunnerOptions {
  /** Threads one batch is split over (the worker's share of the cores). */
  intraOpThreads: number;
  provider: OrtProvider;
}

export class OrtSubnetRunner {
  private constructor(private readonly sessions: Map<string, ort.InferenceSession>, readonly options: OrtRunnerOptions,
    /** Bytes of the ONNX models the sessions were created from (their weights, roughly what each session holds). */
    readonly modelBytes: number) {}

  /** Creates one session per model (key -> ONNX bytes, or the path of an .onnx file). */
  static async create(models: Map<string, Uint8Array | string>, options: OrtRunnerOptions): Promise<OrtSubnetRunner> {
    const sessions = new Map<string, ort.InferenceSession>();
    let bytes = 0;
    try {
      for (const [key, model] of models) {
        // (two overloads: a path, read natively, or bytes)
        sessions.set(key, typeof model === 'string'
          ? await ort.InferenceSession.create(model, sessionOptions(options))
          : await ort.InferenceSession.create(model, sessionOptions(options)));
        bytes += typeof model === 'string' ? statSync(model).size : model.byteLength;
      }
    } catch (e) {
      await Promise.all([...sessions.values()].map((s) => s.release()));
      throw e;
    }
    return new OrtSubnetRunner(sessions, options, bytes);
  }

  has(key: string): boolean { return this.sessions.has(key); }
  get size(): number { return this.sessions.size; }

  /** Logits [n, classes] of sub-network `key` on NCHW data [n, 3, r, r]. */
  async run(key: string, nchw: Float32Array, n: number, r: number): Promise<{ logits: Float32Array; classes: number }> {
    const session = this.sessions.get(key);
    if (session === undefined) throw new Error(`no ONNX Runtime session for sub-network ${key}`);
    const input = new ort.Tensor('float32', nchw, [n, 3, r, r]);
    const out = await session.run({ [INPUT_NAME]: input });
    const y = out[OUTPUT_NAME];
    if (y === undefined) throw new Error(`ONNX model of ${key} has no ${OUTPUT_NAME} output`);
    const classes = y.dims[1] ?? 0;
    // Copy out of ORT's buffer so the caller may transfer it.
    const logits = Float32Array.from(y.data as Float32Array);
    y.dispose();
    return { logits, classes };
  }

  async release(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.release()));
    this.sessions.clear();
  }
}

/**
 * Intra-op threads do not spin between runs: a worker shares its cores with the HTTP thread, preparation threads,
 * other workers and its own tfjs threads, which a spinning pool would starve.
 */
export function sessionOptions(o: OrtRunnerOptions): ort.InferenceSession.SessionOptions {
  return {
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    executionProviders: o.provider === 'webgpu' ? ['webgpu', 'cpu'] : ['cpu'],
    intraOpNumThreads: o.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
}
