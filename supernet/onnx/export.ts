/**
 * Any supported static sub-network (its BN-folded artifacts, SubnetNorm statistics already applied by
 * `materialize`) -> ONNX model bytes.
 * @module
 */
import type { StaticArtifacts } from '../types.ts';
import { OnnxGraph } from './graph-builder.ts';
import { buildMbV3 } from './mbv3-graph.ts';
import { encodeModel, INPUT_NAME } from './model-proto.ts';
import { buildResNet50 } from './resnet50-graph.ts';

export function exportOnnx(a: StaticArtifacts, metadata: Record<string, string> = {}): Uint8Array {
  const g = new OnnxGraph();
  const logits = a.arch === 'ofa-resnet50' ? buildResNet50(g, a, INPUT_NAME) : buildMbV3(g, a, INPUT_NAME);
  return encodeModel(g, logits, {
    graphName: a.arch, imageSize: a.config.image_size, classes: 1000, metadata: { arch: a.arch, config: JSON.stringify(a.config), ...metadata },
  });
}
