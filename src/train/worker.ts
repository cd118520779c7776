/**
 * A data-parallel training worker (see replicas.ts): forked by WorkerReplicas, it builds the
 * model from the topology it is sent, opens its own input source, and answers gradient and
 * embedding requests over IPC until told to close or its parent goes away.
 */
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/backend.js';
import { ExprsimError, isExprsimError } from '../core/errors.js';
import { setLogLevel } from '../core/logger.js';
// Registers exprsim's custom layers (batch norm, L2 normalise) for modelFromJSON.
import '../models/artifact.js';
import { totalSize, type LossName } from './gradients.js';
import { openInputSource, type TripletInputSource } from '../embed/input-source.js';
import { handleWorkerRequest } from './replicas.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

const state: { model?: tf.LayersModel; source?: TripletInputSource; loss?: LossName } = {};

// Ctrl-C reaches the whole process group: the parent decides when to stop (after a checkpoint),
// and closes us; a worker must not die mid-step.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
// The parent died (even SIGKILL): nothing left to work for.
process.on('disconnect', () => process.exit(0));
setLogLevel(process.env.EXPRSIM_VERBOSE === '1' ? 'debug' : 'error');

function send(reply: WorkerReply): void {
  process.send?.(reply);
}

async function handle(msg: WorkerRequest): Promise<WorkerReply> {
  if (msg.type === 'init') {
    const engine = await initEngine({ backend: msg.backend });
    state.model = await tf.models.modelFromJSON({ modelTopology: msg.topology } as never);
    state.source = await openInputSource(msg.spec);
    state.loss = msg.loss;
    return {
      type: 'ready',
      id: msg.id,
      weights: totalSize(state.model.weights.map((w) => w.shape as number[])),
      backend: engine.backend,
    };
  }
  return handleWorkerRequest(state, msg);
}

// Requests are handled one at a time, in order.
let queue: Promise<void> = Promise.resolve();
process.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'close') {
    queue = queue.then(() => {
      state.source?.dispose();
      process.disconnect();
      process.exit(0);
    });
    return;
  }
  queue = queue.then(async () => {
    try {
      send(await handle(msg));
    } catch (e) {
      const err = isExprsimError(e)
        ? e
        : new ExprsimError('E_WORKER', (e as Error).message?.split('\n')[0] ?? String(e));
      send({
        type: 'error',
        id: msg.id,
        code: err.code,
        message: err.message,
        input: err.input,
        fix: err.fix,
      });
    }
  });
});
