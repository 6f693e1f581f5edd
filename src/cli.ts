/**
 * `superserve <command>`: each command lives in src/commands/<name>.ts and exports `run(argv)`.
 * @module
 */
const COMMANDS: Record<string, { file: string; help: string }> = {
  serve: { file: 'serve', help: 'serve a supernet over HTTP (KServe V2); with no checkpoint, the embedded default' },
  worker: { file: 'worker', help: 'run an inference worker that takes batches over NATS' },
  profile: { file: 'profile', help: 'measure per-(sub-network, batch) latency into <checkpoint>/profile.json' },
  'import-ofa': { file: 'import-ofa', help: 'convert an OFA PyTorch .pth into a checkpoint directory' },
  calibrate: { file: 'calibrate', help: 'compute per-sub-network BatchNorm statistics (SubnetNorm) from images' },
  'export-subnet': { file: 'export-subnet', help: 'save one sub-network as a standalone static tfjs model' },
  'run-subnet': { file: 'run-subnet', help: 'run one sub-network on a raw float32 NCHW file, write raw logits' },
  trace: { file: 'trace', help: 'generate an arrival trace (poisson, bursty, time-varying, azure)' },
  simulate: { file: 'simulate', help: 'replay a trace through the scheduler on a virtual clock' },
  experiment: { file: 'experiment', help: "reproduce the paper's figures in the simulator" },
  replay: { file: 'replay', help: 'send a trace open-loop to a live server and report SLO attainment' },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return ['usage: superserve <command> [options]   (superserve <command> --help for its options)', '',
    ...Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(width)}  ${v.help}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(usage());
    return cmd === undefined ? 2 : 0;
  }
  const entry = COMMANDS[cmd];
  if (entry === undefined) {
    console.error(`superserve: unknown command "${cmd}"\n\n${usage()}`);
    return 2;
  }
  const mod = (await import(`./commands/${entry.file}.ts`)) as { run(argv: string[]): Promise<number> };
  try {
    return await mod.run(rest);
  } catch (e) {
    console.error(`superserve ${cmd}: ${(e as Error).message}`);
    if (process.env.SUPERSERVE_DEBUG) console.error((e as Error).stack);
    return 1;
  }
}
