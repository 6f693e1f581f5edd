/**
 * Test helper: run exported ONNX bytes in onnxruntime-node (CPU) on an NCHW batch.
 * @module
 */
import * as ort from 'onnxruntime-node';

export async function ortLogits(model: Uint8Array, nchw: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  try {
    const out = await session.run({ input: new ort.Tensor('float32', nchw, shape) });
    const logits = out.logits;
    if (!logits) throw new Error('model has no logits output');
    return logits.data as Float32Array;
  } finally {
    await session.release();
  }
}
