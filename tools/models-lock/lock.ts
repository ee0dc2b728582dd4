import {
  MODEL_LOCK_FILE,
  type ModelLock,
  type ModelLockFile,
  readModelLock,
  renderModelLock,
  updateModelLock,
} from '../../lib/config/model-lock';
import { type LockPlan, type LockRequest, type LockRules, planLock } from '../shared/lock-command';

// The job of `npm run models:lock`: record the declared models and their lifecycle in the lock beside the config
// file, refusing to forget a model that was never retired; a removed model's removal is recorded on purpose. The
// rules live in lib/config/model-lock.ts (the synth checks the same lock); tools/shared/lock-command.ts reads the
// files and writes the lock.

export const MODEL_LOCK_RULES: LockRules<ModelLock, ModelLockFile> = {
  fileName: MODEL_LOCK_FILE,
  read: readModelLock,
  update: (config, lockFile, remove) => updateModelLock(config.config.models, lockFile, remove),
  render: renderModelLock,
};

/** The new models lock beside the config, or why it is refused; writes nothing. */
export function planModelLock(request: LockRequest): LockPlan {
  return planLock(request, MODEL_LOCK_RULES);
}
