/** Messages across the worker-thread boundary. @module */
import type { ProfileJson, ProfileRequest } from '../profiler/measure.ts';
import type { BatchJob, BatchReply, EngineName, EngineStats, WarmupReport, WorkerInfo, WorkerInit } from './protocol.ts';

export type ToWorker =
  | { type: 'init'; init: WorkerInit }
  | { type: 'batch'; job: BatchJob }
  | { type: 'profile'; subnets: Array<{ id: number; accuracy: number; config: unknown }>; request: ProfileRequest }
  | { type: 'warmup'; batches: number[] }
  | { type: 'stats' }
  | { type: 'engine'; engine: EngineName };

export type FromWorker =
  | { type: 'ready'; info: WorkerInfo }
  | { type: 'reply'; reply: BatchReply }
  | { type: 'progress'; done: number; total: number; label: string }
  | { type: 'profile'; profile: ProfileJson }
  | { type: 'warmed'; report: WarmupReport }
  | { type: 'stats'; stats: EngineStats }
  | { type: 'engine-set'; info: WorkerInfo }
  | { type: 'fatal'; error: string };
