/**
 * Class names for Triton's classification extension: the 1000 ImageNet-1k classes in the standard
 * (synset-sorted) order OFA's classifiers use, shipped as data (data/imagenet/labels.txt, one per line).
 * @module
 */
import { readFileSync } from 'node:fs';

export const IMAGENET_LABELS_FILE = new URL('../../data/imagenet/labels.txt', import.meta.url);

let imagenet: readonly string[] | undefined;

/** The ImageNet labels, read once. */
export function imagenetLabels(): readonly string[] {
  imagenet ??= parseLabels(readFileSync(IMAGENET_LABELS_FILE, 'utf8'));
  return imagenet;
}

/** A Triton label file: one label per line, line i names class i. */
export function parseLabels(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
