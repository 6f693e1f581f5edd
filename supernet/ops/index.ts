/**
 * Small, stable tf helpers shared by the supernet implementations (MobileNetV3, ResNet50).
 * @module
 */
export { makeDivisible } from './make-divisible.ts';
export { type Activation, applyActivation, hswish, hsigmoid } from './activations.ts';
export { WeightLayoutError, rawToTensor, convOihwToHwio, depthwiseOihwToHwc1, linearToInOut } from './layout.ts';
export { BN_EPS, type BnParams, bnScaleShift, foldBn, batchNormWith } from './bn-fold.ts';
export { type TorchConvOptions, conv2dTorch, depthwiseConv2dTorch } from './torch-conv.ts';
