/**
 * Model-side defaults that flag parsing needs, apart from the modules that load TensorFlow.js.
 * @module
 */

/**
 * Default cache budget. With it the embedded OFA-ResNet50 default stays under 1 GB of server RSS on WASM
 * (bench:subnetact, memory section) while its smallest sub-network, where streaming (re-slicing and re-packing
 * its weights every batch) costs the most relative to its forward pass, stays resident. The largest uses the
 * supernet's layers whole and costs nothing either way; the ones between are streamed.
 */
export const DEFAULT_CACHE_MIB = 128;
