/**
 * OFA-MobileNetV3 supernet (SubNetAct) for TF.js: public API.
 * @module
 */
export { createMbV3Supernet } from './supernet.ts';
export { staticSubnetFromArtifacts, StaticArtifactsError, SubnetInputError } from './static-subnet.ts';
export { validateMbV3Config, mbv3Key, activeBlocks, MIN_IMAGE_SIZE, MAX_IMAGE_SIZE } from './config.ts';
export { mbv3Arch, midChannels, seChannels, KS_CHOICES, E_CHOICES, D_CHOICES, type MbV3Width, type MbV3Arch } from './arch.ts';
export { MbV3CheckpointError } from './state-dict.ts';
export { SubnetNormError } from './dynamic-bn.ts';
export type { MbV3Topology, BlockTopology, ConvLayerTopology } from './topology.ts';
export { mbv3Cost, type SubnetCost } from './cost.ts';
