/**
 * A full garbage collection now. After a one-off ~200 MB allocation (reading or generating a checkpoint's weights)
 * a thread that then allocates little keeps that garbage resident for minutes; this returns it at once.
 * @module
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
