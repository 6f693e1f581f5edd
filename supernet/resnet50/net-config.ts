/**
 * A static plan <-> OFA's static `ResNets` net config JSON (`get_active_net_config()` / `net.config`), the
 * topology saved with an exported sub-network, plus the weight layout tag of our folded weights.
 * @module
 */
import { N_CLASSES } from './constants.ts';
import { blockPlan, CLASSIFIER_NAME, convSpec, type ConvSpec, type ResNetPlan } from './plan.ts';

/** Weights are `<layer>.weight` HWIO with BN folded in plus `<layer>.bias`; the classifier weight is [in, out]. */
export const WEIGHT_FORMAT = 'tfjs-hwio-bn-folded-v1';

export class StaticTopologyError extends Error {
  override name = 'StaticTopologyError';
}

function convLayerJson(c: ConvSpec): Record<string, unknown> {
  return {
    name: 'ConvLayer', in_channels: c.inC, out_channels: c.outC, kernel_size: c.kernel, stride: c.stride,
    dilation: 1, use_bn: true, act_func: 'relu',
  };
}

/** OFA's static `ResNets.config` of the plan (exactly the fields OFA writes), tagged with WEIGHT_FORMAT. */
export function toNetConfig(plan: ResNetPlan): Record<string, unknown> {
  const { first, residual, last } = plan.stem;
  const stem: unknown[] = [convLayerJson(first)];
  if (residual) {
    stem.push({
      name: 'ResidualBlock', conv: convLayerJson(residual),
      shortcut: {
        name: 'IdentityLayer', in_channels: residual.inC, out_channels: residual.outC, use_bn: false,
        act_func: null, dropout_rate: 0, ops_order: 'weight_bn_act',
      },
    });
  }
  stem.push(convLayerJson(last));
  return {
    name: 'ResNets',
    bn: { momentum: 0.1, eps: 1e-5, ws_eps: null },
    input_stem: stem,
    blocks: plan.blocks.map((b) => ({
      name: 'ResNetBottleneckBlock', in_channels: b.inC, out_channels: b.outC, kernel_size: 3, stride: b.stride,
      expand_ratio: b.expandRatio, mid_channels: b.midC, act_func: 'relu', groups: 1, downsample_mode: 'avgpool_conv',
    })),
    classifier: { name: 'LinearLayer', in_features: plan.classifier.inF, out_features: plan.classifier.outF, bias: true, dropout_rate: 0 },
    weight_format: WEIGHT_FORMAT,
  };
}

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new StaticTopologyError(`${path} must be an object`);
  return v as Obj;
}

function field(o: Obj, key: string, path: string, allowed?: readonly unknown[]): unknown {
  const v = o[key];
  if (allowed && !allowed.includes(v)) {
    throw new StaticTopologyError(`${path}.${key} is ${JSON.stringify(v)}, expected one of ${JSON.stringify(allowed)}`);
  }
  return v;
}

function posInt(o: Obj, key: string, path: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new StaticTopologyError(`${path}.${key} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function convLayer(v: unknown, path: string, name: string, inC: number): ConvSpec {
  const o = obj(v, path);
  field(o, 'name', path, ['ConvLayer']);
  field(o, 'kernel_size', path, [3]);
  field(o, 'act_func', path, ['relu']);
  field(o, 'use_bn', path, [true]);
  const c = convSpec(name, posInt(o, 'in_channels', path), posInt(o, 'out_channels', path), 3, posInt(o, 'stride', path), true);
  if (c.inC !== inC) throw new StaticTopologyError(`${path}.in_channels is ${c.inC}, but the previous layer gives ${inC}`);
  return c;
}

/** Parses (and checks the consistency of) a static ResNets net config written by `toNetConfig` or by OFA. */
export function fromNetConfig(topology: unknown): ResNetPlan {
  const t = obj(topology, 'topology');
  field(t, 'name', 'topology', ['ResNets']);
  if (t.weight_format !== undefined) field(t, 'weight_format', 'topology', [WEIGHT_FORMAT]);
  const stemJson = t.input_stem;
  if (!Array.isArray(stemJson) || (stemJson.length !== 2 && stemJson.length !== 3)) {
    throw new StaticTopologyError('topology.input_stem must list 2 or 3 layers');
  }
  const first = convLayer(stemJson[0], 'topology.input_stem[0]', 'input_stem.0', 3);
  let residual: ConvSpec | null = null;
  if (stemJson.length === 3) {
    const rb = obj(stemJson[1], 'topology.input_stem[1]');
    field(rb, 'name', 'topology.input_stem[1]', ['ResidualBlock']);
    residual = convLayer(rb.conv, 'topology.input_stem[1].conv', 'input_stem.1.conv', first.outC);
    if (residual.outC !== residual.inC || residual.stride !== 1) {
      throw new StaticTopologyError('topology.input_stem[1].conv must keep its width at stride 1 (identity shortcut)');
    }
  }
  const last = convLayer(stemJson[stemJson.length - 1], `topology.input_stem[${stemJson.length - 1}]`,
    `input_stem.${stemJson.length - 1}`, first.outC);
  if (!Array.isArray(t.blocks) || t.blocks.length === 0) throw new StaticTopologyError('topology.blocks must be a non-empty list');
  let inC = last.outC;
  const blocks = t.blocks.map((bj: unknown, n: number) => {
    const path = `topology.blocks[${n}]`;
    const o = obj(bj, path);
    field(o, 'name', path, ['ResNetBottleneckBlock']);
    field(o, 'kernel_size', path, [3]);
    field(o, 'groups', path, [1]);
    field(o, 'act_func', path, ['relu']);
    field(o, 'downsample_mode', path, ['avgpool_conv']);
    const stride = posInt(o, 'stride', path);
    if (stride > 2) throw new StaticTopologyError(`${path}.stride must be 1 or 2, got ${stride}`);
    const b = blockPlan(n, posInt(o, 'in_channels', path), posInt(o, 'out_channels', path), posInt(o, 'mid_channels', path),
      stride, Number(o.expand_ratio));
    if (b.inC !== inC) throw new StaticTopologyError(`${path}.in_channels is ${b.inC}, but the previous layer gives ${inC}`);
    inC = b.outC;
    return b;
  });
  const cls = obj(t.classifier, 'topology.classifier');
  field(cls, 'name', 'topology.classifier', ['LinearLayer']);
  const inF = posInt(cls, 'in_features', 'topology.classifier');
  if (inF !== inC) throw new StaticTopologyError(`topology.classifier.in_features is ${inF}, but the last block gives ${inC}`);
  const outF = posInt(cls, 'out_features', 'topology.classifier');
  if (outF !== N_CLASSES) throw new StaticTopologyError(`topology.classifier.out_features must be ${N_CLASSES}, got ${outF}`);
  return { stem: { first, residual, last }, blocks, classifier: { name: CLASSIFIER_NAME, inF, outF } };
}
