/**
 * `superserve run-subnet`: one sub-network on a raw little-endian float32 NCHW file -> raw float32 logits.
 * A stable interface for scripts and acceptance checks. `--engine ort` runs a Pareto sub-network in ONNX Runtime
 * (exported or read from the checkpoint's ONNX cache); any other sub-network runs on tfjs, as in a server.
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { paretoSet } from '../../supernet/archs.ts';
import { SubnetEngine } from '../../supernet/engine.ts';
import type { LoadedModel } from '../../supernet/load.ts';
import { onnxModelFor } from '../../supernet/onnx/model-store.ts';
import { OrtSubnetRunner } from '../../supernet/onnx/ort-runner.ts';
import type { SubnetConfig } from '../../supernet/types.ts';
import { storedEngineChoice } from '../serving/engine-choice.ts';
import { chooseThreadLayout } from '../serving/thread-layout.ts';
import { checkpointIdentity } from '../worker/nats-identity.ts';
import type { EngineName } from '../worker/protocol.ts';
import { intFlag, parseFlags, runCommand, UsageError } from './args.ts';
import { ENGINE_FLAG, parseEngineFlag } from './engine-flag.ts';
import { MODEL_FLAGS, openModel, readSubnetFlag } from './model-args.ts';

const USAGE = 'usage: superserve run-subnet --checkpoint <dir|.pth> [--arch <arch>] (--subnet <config.json> | --pareto <id>) --input <f32 NCHW file> --output <file> [--backend B] [--wasm-threads N] [--engine tfjs|ort|auto]';

export function run(argv: string[]): Promise<number> {
  return runCommand('run-subnet', async () => {
    const { values } = parseFlags(argv, { ...MODEL_FLAGS, ...ENGINE_FLAG, subnet: { type: 'string' }, pareto: { type: 'string' },
      input: { type: 'string' }, output: { type: 'string' } }, USAGE);
    if (values.help) { console.log(USAGE); return 0; }
    if (values.input === undefined || values.output === undefined) throw new UsageError(`--input and --output are required\n${USAGE}`);
    const choice = parseEngineFlag(values.engine);
    const model = await openModel(values);
    const config = await readSubnetFlag(model, values.subnet, values.pareto);
    const bytes = await readFile(values.input);
    const per = 3 * config.image_size * config.image_size * 4;
    if (bytes.byteLength === 0 || bytes.byteLength % per !== 0) {
      throw new UsageError(`${values.input} has ${bytes.byteLength} bytes, not a whole number of float32 [3,${config.image_size},${config.image_size}] images (${per} bytes each)`);
    }
    const n = bytes.byteLength / per;
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const hash = (await checkpointIdentity(model.source, model.arch)).checkpointHash;
    const engine = await engineFor(choice, model, config, hash);
    let result: { logits: Float32Array; classes: number };
    if (engine === 'ort') {
      const threads = intFlag(values['wasm-threads'], 'wasm-threads', 1, 64) ?? chooseThreadLayout(availableParallelism(), { workers: 1 }).wasmThreads;
      const onnx = await onnxModelFor(model.supernet, config, model.source, hash);
      const runner = await OrtSubnetRunner.create(new Map([[onnx.key, onnx.source]]), { intraOpThreads: threads, provider: 'cpu' });
      result = await runner.run(onnx.key, data, n, config.image_size);
      await runner.release();
      model.supernet.dispose();
    } else {
      const tfjs = new SubnetEngine(model.supernet, { cacheBudgetMiB: 0 });
      result = await tfjs.runNCHW(data, n, config);
      tfjs.dispose();
    }
    await writeFile(values.output, new Uint8Array(result.logits.buffer, result.logits.byteOffset, result.logits.byteLength));
    console.error(`wrote ${n}x${result.classes} float32 logits to ${values.output} (engine ${engine})`);
    return 0;
  });
}

/** ort for a Pareto sub-network when asked (auto: when the stored profiles say it is faster); tfjs otherwise. */
async function engineFor(choice: string, model: LoadedModel, config: SubnetConfig, hash: string): Promise<EngineName> {
  if (choice === 'tfjs') return 'tfjs';
  const key = model.supernet.key(config);
  if (!paretoSet(model.arch).some((p) => model.supernet.key(model.supernet.validate(p.config)) === key)) {
    console.error(`sub-network ${key} is not in the Pareto set: it runs on tfjs (SubNetAct)`);
    return 'tfjs';
  }
  if (choice === 'ort') return 'ort';
  const stored = await storedEngineChoice(model.source, hash);
  console.error(stored === undefined
    ? 'engine auto: no tfjs and ort profiles of this checkpoint to compare; tfjs'
    : `engine auto: ${stored.engine} (ort ${stored.speedup.toFixed(2)}x tfjs by the stored profiles)`);
  return stored?.engine ?? 'tfjs';
}
