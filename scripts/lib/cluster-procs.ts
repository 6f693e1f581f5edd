/**
 * Child processes of the cluster benchmarks (nats-server, router, workers): started with their output in log
 * files, tracked in one group that kills them all on exit, on failure and on SIGINT/SIGTERM.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/free-port.ts';

export { freePort };

export class ClusterProcessError extends Error { override name = 'ClusterProcessError'; }

export interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
  readonly alive: boolean;
}

/** A free TCP port on the loopback interface. */

export function natsServerBinary(): string {
  return existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
}

export class ProcessGroup {
  private readonly procs: Proc[] = [];
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    this.killAllSync();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  private readonly onExit = (): void => this.killAllSync();

  constructor(readonly logDir: string) {
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    process.once('exit', this.onExit);
  }

  start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Proc {
    const logFile = join(this.logDir, `${name}.log`);
    const fd = openSync(logFile, 'w');
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env });
    closeSync(fd);
    let done = false;
    const exited = new Promise<number | string>((resolve) => {
      child.once('exit', (code, signal) => { done = true; resolve(code ?? signal ?? 'unknown'); });
      child.once('error', (e) => { done = true; resolve(`spawn error: ${e.message}`); });
    });
    const p: Proc = { name, child, logFile, exited, get alive() { return !done; } };
    this.procs.push(p);
    return p;
  }

  /** Last lines of a process's log (for error messages). */
  tail(p: Proc, lines = 15): string {
    try { return readFileSync(p.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
  }

  /** Signals `p` and waits until it is gone (SIGKILL after `graceMs`). */
  async stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<void> {
    if (!p.alive) return;
    p.child.kill(signal);
    const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
    await p.exited;
    clearTimeout(t);
  }

  /** Stops every process still running, newest first (workers and router before nats-server). */
  async stopAll(): Promise<void> {
    for (const p of [...this.procs].reverse()) await this.stop(p);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    process.off('exit', this.onExit);
  }

  private killAllSync(): void {
    for (const p of this.procs) if (p.alive) p.child.kill('SIGKILL');
  }
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 200): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch((e: unknown) => { if (e instanceof ClusterProcessError) throw e; return undefined; });
    if (v !== undefined) return v;
    if (performance.now() > until) throw new ClusterProcessError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Starts nats-server on a free loopback port and waits until it accepts connections (its /healthz monitor). */
export async function startNatsServer(group: ProcessGroup): Promise<{ url: string; proc: Proc }> {
  const port = await freePort();
  const monitor = await freePort();
  const proc = group.start('nats-server', natsServerBinary(), ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitor)]);
  await waitFor('nats-server', async () => {
    if (!proc.alive) throw new ClusterProcessError(`nats-server exited: ${group.tail(proc)}`);
    const r = await fetch(`http://127.0.0.1:${monitor}/healthz`);
    return r.ok ? true : undefined;
  }, 10_000, 100);
  return { url: `nats://127.0.0.1:${port}`, proc };
}
