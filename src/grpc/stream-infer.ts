/**
 * `ModelStreamInfer`, Triton's bidirectional stream: each request the client writes runs the unary
 * ModelInfer path (`InferOne`: validation, admission, SLO from its parameters tightened to the stream's
 * deadline, decoding, inference) and is answered in the stream, in completion order:
 * - a result as `{ infer_response }`, carrying the request's id;
 * - an error as `{ error_message, infer_response: { id, model_name, model_version } }`, with the words the
 *   unary call would put in its status; the stream goes on;
 * - the client half-closing the stream still gets every answer, then the stream ends OK;
 * - the stream cancelled (by the client, its deadline or a broken connection) removes its queued requests
 *   from the queue through one abort signal, and nothing more is written.
 * `close()` (server shutdown) ends each open stream once its requests are answered.
 * @module
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { toErrorAnswer } from '../protocol/errors.ts';
import type { InferOne } from './inference.ts';
import type { GrpcInferRequest, GrpcInferResponse } from './messages.ts';

export interface StreamInferResponse {
  error_message: string;
  infer_response: Partial<GrpcInferResponse>;
}

type Stream = ServerDuplexStream<GrpcInferRequest, StreamInferResponse>;

export interface StreamInfer {
  handler: (call: Stream) => void;
  /** End every open stream once its requests are answered (the service refuses new ones while draining). */
  close(): void;
}

export function createStreamInfer(inferOne: InferOne, log: (message: string, err?: unknown) => void): StreamInfer {
  const open = new Set<() => void>();
  let closing = false;

  const handler = (call: Stream): void => {
    const abort = new AbortController();
    let pending = 0;
    let inputEnded = false;
    let finished = false;
    const finishIfDone = (): void => {
      if (finished || pending > 0 || !(inputEnded || closing)) return;
      finished = true;
      open.delete(finishIfDone);
      if (!call.cancelled) call.end();
    };
    const write = (answer: StreamInferResponse): void => {
      if (!call.cancelled && !finished) call.write(answer);
    };
    open.add(finishIfDone);

    call.on('data', (req: GrpcInferRequest) => {
      if (finished) return;
      pending++;
      inferOne(req, { signal: abort.signal, deadline: call.getDeadline(), metadata: call.metadata }).then(
        (reply) => write({ error_message: '', infer_response: reply }),
        (err: unknown) => {
          const a = toErrorAnswer(err);
          if (a.http === 500) log('gRPC ModelStreamInfer request failed', err);
          write({ error_message: a.message, infer_response: { id: req.id, model_name: req.model_name, model_version: req.model_version } });
        },
      ).finally(() => { pending--; finishIfDone(); });
    });
    call.on('end', () => { inputEnded = true; finishIfDone(); });
    const cancel = (): void => {
      abort.abort();
      finished = true;
      open.delete(finishIfDone);
    };
    call.on('cancelled', cancel);
    call.on('error', cancel);
  };

  return {
    handler,
    close() {
      closing = true;
      for (const finish of [...open]) finish();
    },
  };
}
