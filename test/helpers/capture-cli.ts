/** Runs `superserve <argv>` in-process with console output captured (for exit codes and messages). @module */
import { main } from '../../src/cli.ts';

export async function runCli(argv: string[]): Promise<{ code: number; output: string }> {
  const err = console.error; const log = console.log;
  let output = '';
  console.error = (...a: unknown[]) => { output += `${a.join(' ')}\n`; };
  console.log = (...a: unknown[]) => { output += `${a.join(' ')}\n`; };
  try {
    return { code: await main(argv), output };
  } finally {
    console.error = err; console.log = log;
  }
}
