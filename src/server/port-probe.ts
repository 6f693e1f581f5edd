/**
 * A port this server needs is already taken: say so within a fraction of a second, before the model, the
 * protocol stacks and TensorFlow.js load (seconds). The real listen still reports a port taken in between.
 * @module
 */
import { createServer } from 'node:net';
import { ListenError } from '../http/serve.ts';

export async function assertPortFree(host: string, port: number, hint = ''): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => reject(new ListenError(e.code === 'EADDRINUSE'
      ? `port ${port} on ${host} is already in use${hint}`
      : `cannot listen on ${host}:${port}: ${e.message}${hint}`)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
