/**
 * `superserve export-subnet`: a standalone static model of one sub-network (OFA's get_active_subnet), as a tfjs
 * static model directory (default) or an ONNX file (`--format onnx`).
 * @module
 */
import { exportOnnx } from '../../supernet/onnx/export.ts';
import { writeOnnxFile } from '../../supernet/onnx/write-model.ts';
import { saveStaticSubnet } from '../../supernet/static-model.ts';
import { parseFlags, runCommand, UsageError } from './args.ts';
import { MODEL_FLAGS, openModel, readSubnetFlag } from './model-args.ts';

const USAGE = 'usage: superserve export-subnet --checkpoint <dir|.pth> [--arch <arch>] (--subnet <config.json> | --pareto <id>) --out <dir|file.onnx> [--format tfjs|onnx] [--backend B]';
const FORMATS = ['tfjs', 'onnx'];

export function run(argv: string[]): Promise<number> {
  return runCommand('export-subnet', async () => {
    const { values } = parseFlags(argv, {
      ...MODEL_FLAGS, subnet: { type: 'string' }, pareto: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' },
    }, USAGE);
    if (values.help) { console.log(USAGE); return 0; }
    if (values.out === undefined) throw new UsageError(`--out is required\n${USAGE}`);
    const format = values.format ?? 'tfjs';
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
    const model = await openModel(values);
    const config = await readSubnetFlag(model, values.subnet, values.pareto);
    const m = model.supernet.materialize(config);
    const key = model.supernet.key(config);
    if (format === 'onnx') {
      const bytes = exportOnnx(m.artifacts(), { subnet: key });
      await writeOnnxFile(values.out, bytes);
      console.error(`exported ${key} as ONNX (${(bytes.byteLength / 2 ** 20).toFixed(1)} MiB) to ${values.out}`);
    } else {
      await saveStaticSubnet(values.out, m.artifacts());
      console.error(`exported ${key} (${(m.bytes / 2 ** 20).toFixed(1)} MiB) to ${values.out}`);
    }
    m.dispose();
    model.supernet.dispose();
    return 0;
  });
}
