/**
 * An OnnxGraph -> serialized ONNX ModelProto bytes, through the `onnx-proto` message classes (protobufjs).
 * Input `input` float32 NCHW [batch, 3, R, R] with a symbolic batch dimension, output `logits` [batch, 1000].
 * @module
 */
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import type { GraphNode, OnnxGraph } from './graph-builder.ts';

const { onnx } = onnxProto;
/** ONNX IR version 7 / opset 13: what onnxruntime >= 1.8 loads, and the opset PyTorch's exporter writes by default. */
const IR_VERSION = 7;
export const OPSET = 13;
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'logits';
export const BATCH_DIM = 'batch';

export interface ModelInfo {
  graphName: string;
  imageSize: number;
  classes: number;
  /** Free-form key/value metadata (e.g. the sub-network key and checkpoint hash). */
  metadata: Record<string, string>;
}

function attribute(name: string, v: NonNullable<GraphNode['attrs']>[string]): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('ints' in v) return { name, type: T.INTS, ints: v.ints };
  if ('int' in v) return { name, type: T.INT, i: v.int };
  return { name, type: T.FLOAT, f: v.float };
}

function tensorValue(name: string, dims: Array<number | string>): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

export function encodeModel(g: OnnxGraph, output: string, info: ModelInfo): Uint8Array {
  // Rename the last value to the public output name.
  const nodes = g.nodes.map((n) => (n.output === output ? { ...n, output: OUTPUT_NAME } : n));
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'superserve',
    producerVersion: '1',
    graph: {
      name: info.graphName,
      input: [tensorValue(INPUT_NAME, [BATCH_DIM, 3, info.imageSize, info.imageSize])],
      output: [tensorValue(OUTPUT_NAME, [BATCH_DIM, info.classes])],
      initializer: g.initializers.map((i) => ({
        name: i.name, dims: i.dims, dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(i.data.buffer, i.data.byteOffset, i.data.byteLength),
      })),
      node: nodes.map((n) => ({
        name: n.name, opType: n.op, input: n.inputs, output: [n.output],
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
    },
    metadataProps: Object.entries(info.metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
