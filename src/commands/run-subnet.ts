/**
 * `superserve run-subnet`: one sub-network on a raw little-endian float32 NCHW file -> raw float32 logits.
 * A stable interface for scripts and acceptance checks.
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import { SubnetEngine } from '../../supernet/engine.ts';
import { parseFlags, runCommand, UsageError } from './args.ts';
import { MODEL_FLAGS, openModel, readSubnetFlag } from './model-args.ts';

const USAGE = 'usage: superserve run-subnet --checkpoint <dir|.pth> [--arch <arch>] (--subnet <config.json> | --pareto <id>) --input <f32 NCHW file> --output <file> [--backend B] [--wasm-threads N]';

export function run(argv: string[]): Promise<number> {
  return runCommand('run-subnet', async () => {
    const { values } = parseFlags(argv, { ...MODEL_FLAGS, subnet: { type: 'string' }, pareto: { type: 'string' },
      input: { type: 'string' }, output: { type: 'string' } }, USAGE);
    if (values.help) { console.log(USAGE); return 0; }
    if (values.input === undefined || values.output === undefined) throw new UsageError(`--input and --output are required\n${USAGE}`);
    const model = await openModel(values);
    const config = await readSubnetFlag(model, values.subnet, values.pareto);
    const bytes = await readFile(values.input);
    const per = 3 * config.image_size * config.image_size * 4;
    if (bytes.byteLength === 0 || bytes.byteLength % per !== 0) {
      throw new UsageError(`${values.input} has ${bytes.byteLength} bytes, not a whole number of float32 [3,${config.image_size},${config.image_size}] images (${per} bytes each)`);
    }
    const n = bytes.byteLength / per;
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const engine = new SubnetEngine(model.supernet, { cacheBudgetMiB: 0 });
    const { logits, classes } = await engine.runNCHW(data, n, config);
    await writeFile(values.output, new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength));
    console.error(`wrote ${n}x${classes} float32 logits to ${values.output}`);
    engine.dispose();
    return 0;
  });
}
