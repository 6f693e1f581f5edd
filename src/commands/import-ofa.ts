/**
 * `superserve import-ofa <file.pth> --arch <arch> --out <dir> [--force]`: convert an OFA supernet
 * checkpoint into a SuperServe checkpoint directory (progress bar on stderr).
 * @module
 */
import cliProgress from 'cli-progress';
import { importOfa, type ImportPhase } from '../../supernet/checkpoint/import-ofa.ts';
import { ARCH_NAMES, type ArchName } from '../../supernet/types.ts';
import { parseFlags, runCommand, UsageError } from './args.ts';

const USAGE = `usage: superserve import-ofa <file.pth> --arch <${ARCH_NAMES.join('|')}> --out <dir> [--force]`;

const PHASE_LABEL: Record<ImportPhase, string> = { read: 'reading ', parse: 'parsing ', write: 'writing ' };

export function run(argv: string[]): Promise<number> {
  return runCommand('import-ofa', async () => {
    const { values, positionals } = parseFlags(argv, {
      arch: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' },
    }, USAGE, true);
    if (values.help) { console.log(USAGE); return 0; }
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) throw new UsageError(`give exactly one .pth file\n${USAGE}`);
    if (values.arch === undefined) throw new UsageError(`--arch is required\n${USAGE}`);
    if (!(ARCH_NAMES as readonly string[]).includes(values.arch)) {
      throw new UsageError(`unknown --arch "${values.arch}": expected one of ${ARCH_NAMES.join(', ')}`);
    }
    if (values.out === undefined) throw new UsageError(`--out is required\n${USAGE}`);

    const bar = new cliProgress.SingleBar({
      format: '{phase} [{bar}] {percentage}% | {value}/{total}', stream: process.stderr, hideCursor: true,
    }, cliProgress.Presets.shades_classic);
    let phase: ImportPhase | null = null;
    try {
      const result = await importOfa(file, values.arch as ArchName, values.out, {
        force: values.force === true,
        onProgress: (p, done, total) => {
          if (p !== phase) {
            if (phase !== null) bar.stop();
            phase = p;
            bar.start(total, 0, { phase: PHASE_LABEL[p] });
          }
          bar.update(done);
        },
      });
      bar.stop();
      for (const note of result.notes) console.error(`note: ${note}`);
      console.error(`imported ${result.tensors} tensors (${values.arch}, sha256 ${result.sha256.slice(0, 12)}…) into ${values.out}`);
      return 0;
    } finally {
      bar.stop();
    }
  });
}
