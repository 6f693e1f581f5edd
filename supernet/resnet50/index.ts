/**
 * OFA-ResNet50 supernet (SubNetAct) for TF.js: the public surface.
 * @module
 */
export { createResNet50Supernet } from './supernet.ts';
export { staticSubnetFromArtifacts, StaticResNet50 } from './static-subnet.ts';
export { validateResNetConfig, resnetKey, IMAGE_SIZE_MIN, IMAGE_SIZE_MAX } from './config.ts';
export { activePlan } from './active-plan.ts';
export { toNetConfig, fromNetConfig, WEIGHT_FORMAT, StaticTopologyError } from './net-config.ts';
export { ResNetCheckpointError } from './state-dict.ts';
export { SubnetNormError } from './bn-fold.ts';
export * as resnet50Arch from './constants.ts';
