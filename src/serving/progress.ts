/** A cli-progress bar on stderr for long start-up steps (profiling, imports). @module */
import cliProgress from 'cli-progress';

export function progressBar(title: string): { update(done: number, total: number, label: string): void; stop(): void } {
  const bar = new cliProgress.SingleBar({
    format: `${title} [{bar}] {value}/{total} {label}`, stream: process.stderr, hideCursor: false,
    noTTYOutput: true, notTTYSchedule: 5000,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(done, total, label) {
      if (!started) { bar.start(total, done, { label }); started = true; } else bar.update(done, { label });
    },
    stop() { if (started) bar.stop(); },
  };
}
