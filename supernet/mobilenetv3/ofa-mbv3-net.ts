/**
 * The OFAMobileNetV3 module tree holding ONE full-size set of weights (tf layouts), and the cutting of a
 * sub-network out of it: LayerSelect (first d blocks per stage), WeightSlice (prefixes, elastic kernel), SubnetNorm
 * (statistics per supernet BN name), renumbering the kept blocks like OFA's get_active_subnet.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { BN_EPS, linearToInOut, rawToTensor } from '../ops/index.ts';
import type { MbV3SubnetConfig, StateDict } from '../types.ts';
import { N_CLASSES, type MbV3Arch } from './arch.ts';
import type { BuildContext } from './build-context.ts';
import { activeBlocks } from './config.ts';
import { DynamicBatchNorm2d } from './dynamic-bn.ts';
import { DynamicConv2d } from './dynamic-conv.ts';
import { DynamicConvBnLayer } from './dynamic-conv-bn.ts';
import { DynamicMBConvLayer } from './dynamic-mbconv.ts';
import { takeRaw } from './state-dict.ts';
import type { MbV3Topology } from './topology.ts';

interface NetParts {
  firstConv: DynamicConvBnLayer;
  /** Index = supernet block index (0..20). */
  blocks: DynamicMBConvLayer[];
  finalExpand: DynamicConvBnLayer;
  featureMix: tf.Tensor2D;
  classifierKernel: tf.Tensor2D;
  classifierBias: tf.Tensor1D;
}

function tensorsOf(n: NetParts): tf.Tensor[] {
  return [
    ...n.firstConv.tensors(), ...n.blocks.flatMap((b) => b.tensors()), ...n.finalExpand.tensors(),
    n.featureMix, n.classifierKernel, n.classifierBias,
  ];
}

export class OfaMbV3Net {
  private readonly p: NetParts;

  /**
   * Converts every tensor once (PyTorch -> tf layouts). Built inside tf.tidy so that a checkpoint error halfway
   * (missing / mis-shaped tensor) frees whatever was created before it.
   */
  constructor(readonly arch: MbV3Arch, sd: StateDict) {
    const a = arch;
    const lastStageC = a.blocks[a.blocks.length - 1]!.outC;
    let parts: NetParts | undefined;
    tf.tidy(() => {
      const blocks = [DynamicMBConvLayer.first(sd, a.stemC, 'relu')];
      for (const spec of a.blocks) blocks.push(DynamicMBConvLayer.elastic(sd, spec));
      parts = {
        firstConv: new DynamicConvBnLayer(
          DynamicConv2d.fromStateDict(sd, 'first_conv.conv.weight', a.stemC, 3, 3),
          DynamicBatchNorm2d.fromStateDict(sd, 'first_conv.bn', a.stemC), 2, 'h_swish'),
        blocks,
        finalExpand: new DynamicConvBnLayer(
          DynamicConv2d.fromStateDict(sd, 'final_expand_layer.conv.weight', a.finalExpandC, lastStageC, 1),
          DynamicBatchNorm2d.fromStateDict(sd, 'final_expand_layer.bn', a.finalExpandC), 1, 'h_swish'),
        featureMix: linearToInOut('feature_mix_layer.conv.weight',
          takeRaw(sd, 'feature_mix_layer.conv.weight', [a.lastC, a.finalExpandC, 1, 1])),
        classifierKernel: linearToInOut('classifier.linear.weight', takeRaw(sd, 'classifier.linear.weight', [N_CLASSES, a.lastC])),
        classifierBias: rawToTensor('classifier.linear.bias', takeRaw(sd, 'classifier.linear.bias', [N_CLASSES])) as tf.Tensor1D,
      };
      return tensorsOf(parts);
    });
    this.p = parts!;
  }

  /** Cut `config` into ctx.weights and return its topology. Call inside tf.tidy (intermediates are not disposed). */
  build(config: MbV3SubnetConfig, ctx: BuildContext): MbV3Topology {
    const a = this.arch;
    const first = this.p.firstConv.build('first_conv', { inC: 3, outC: a.stemC, k: 3 }, ctx);
    const blocks = [this.p.blocks[0]!.build(0, 3, 1, ctx)];
    for (const i of activeBlocks(a, config.d)) {
      blocks.push(this.p.blocks[i]!.build(blocks.length, config.ks[i - 1]!, config.e[i - 1]!, ctx));
    }
    const lastC = a.blocks[a.blocks.length - 1]!.outC;
    const finalExpand = this.p.finalExpand.build('final_expand_layer', { inC: lastC, outC: a.finalExpandC, k: 1 }, ctx);
    ctx.weights['feature_mix_layer.kernel'] = tf.clone(this.p.featureMix);
    ctx.weights['classifier.kernel'] = tf.clone(this.p.classifierKernel);
    ctx.weights['classifier.bias'] = tf.clone(this.p.classifierBias);
    return {
      name: 'MobileNetV3', format: 1, width: a.width, image_size: config.image_size,
      config: { ks: [...config.ks], e: [...config.e], d: [...config.d], image_size: config.image_size },
      bn_eps: BN_EPS,
      first_conv: first,
      blocks,
      final_expand_layer: finalExpand,
      feature_mix_layer: { name: 'feature_mix_layer', in_features: a.finalExpandC, out_features: a.lastC, bias: false, act: 'h_swish' },
      classifier: { name: 'classifier', in_features: a.lastC, out_features: N_CLASSES, bias: true, act: 'none' },
    };
  }

  dispose(): void {
    tf.dispose(tensorsOf(this.p));
  }
}
