/**
 * `superserve export-subnet`: a standalone static tfjs model of one sub-network (OFA's get_active_subnet).
 * @module
 */
import { saveStaticSubnet } from '../../supernet/static-model.ts';
import { parseFlags, runCommand, UsageError } from './args.ts';
import { MODEL_FLAGS, openModel, readSubnetFlag } from './model-args.ts';

const USAGE = 'usage: superserve export-subnet --checkpoint <dir|.pth> [--arch <arch>] (--subnet <config.json> | --pareto <id>) --out <dir> [--backend B]';

export function run(argv: string[]): Promise<number> {
  return runCommand('export-subnet', async () => {
    const { values } = parseFlags(argv, { ...MODEL_FLAGS, subnet: { type: 'string' }, pareto: { type: 'string' }, out: { type: 'string' } }, USAGE);
    if (values.help) { console.log(USAGE); return 0; }
    if (values.out === undefined) throw new UsageError(`--out is required\n${USAGE}`);
    const model = await openModel(values);
    const config = await readSubnetFlag(model, values.subnet, values.pareto);
    const m = model.supernet.materialize(config);
    await saveStaticSubnet(values.out, m.artifacts());
    console.error(`exported ${model.supernet.key(config)} (${(m.bytes / 2 ** 20).toFixed(1)} MiB) to ${values.out}`);
    m.dispose();
    model.supernet.dispose();
    return 0;
  });
}
