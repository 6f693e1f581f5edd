/**
 * A port this server needs is already taken: say so within a fraction of a second, before the model, the
 * protocol stacks and TensorFlow.js load (seconds). The real listen still reports a port taken in between.
 * @module
 */
import { createServer } from 'node:net';
import { ListenError } from '../http/serve.ts';

export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => reject(new ListenError(e.code === 'EADDRINUSE'
      ? `port ${port} on ${host} is already in use`
      : `cannot listen on ${host}:${port}: ${e.message}`)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** The gRPC service cannot listen: why, and the two ways out. */
export function grpcListenError(host: string, port: number, cause: Error): ListenError {
  return new ListenError(`gRPC cannot listen on ${host}:${port}: ${cause.message} (choose --grpc-port N, or --grpc off)`);
}
