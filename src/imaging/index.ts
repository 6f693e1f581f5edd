/**
 * Image decoding (libvips through sharp, pure-JS fallback) and OFA preprocessing (no tfjs).
 * @module
 */
export { decodeImage, sniffImageFormat, ImageDecodeError } from './decode.ts';
export { decodeImageFast, imageDecoder } from './native-decode.ts';
export type { DecodedImage, DecodeOptions, ImageFormat } from './decode.ts';
export { preprocessOfa, resizedSize, pyRound, PreprocessError, IMAGENET_MEAN, IMAGENET_STD, OFA_CROP_RATIO } from './preprocess.ts';
export { imageDimensions, type Dimensions } from './dimensions.ts';
