/** Messages across the worker-thread boundary. @module */
import type { ProfileJson, ProfileOptions } from '../profiler/measure.ts';
import type { BatchJob, BatchReply, WorkerInfo, WorkerInit } from './protocol.ts';

export type ToWorker =
  | { type: 'init'; init: WorkerInit }
  | { type: 'batch'; job: BatchJob }
  | { type: 'profile'; subnets: Array<{ id: number; accuracy: number; config: unknown }>; options: ProfileOptions };

export type FromWorker =
  | { type: 'ready'; info: WorkerInfo }
  | { type: 'reply'; reply: BatchReply }
  | { type: 'progress'; done: number; total: number; label: string }
  | { type: 'profile'; profile: ProfileJson }
  | { type: 'fatal'; error: string };
