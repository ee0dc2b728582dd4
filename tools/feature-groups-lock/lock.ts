import {
  FEATURE_GROUP_LOCK_FILE,
  type FeatureGroupLock,
  type FeatureGroupLockFile,
  readFeatureGroupLock,
  renderFeatureGroupLock,
  updateFeatureGroupLock,
} from '../../lib/feature-store/schema-guard';
import { type LockPlan, type LockRequest, type LockRules, planLock } from '../shared/lock-command';

// The job of `npm run feature-groups:lock`: record the declared feature groups in the lock beside the config
// file, refusing changes SageMaker cannot make in place; the removed groups are dropped on purpose. The rules live in
// lib/feature-store/schema-guard.ts (the synth checks the same lock); tools/shared/lock-command.ts reads the files
// and writes the lock.

export const FEATURE_GROUP_LOCK_RULES: LockRules<FeatureGroupLock, FeatureGroupLockFile> = {
  fileName: FEATURE_GROUP_LOCK_FILE,
  read: readFeatureGroupLock,
  update: (config, lockFile, drop) => updateFeatureGroupLock(config.config.featureGroups, lockFile, drop),
  render: renderFeatureGroupLock,
};

/** The new feature-group lock beside the config, or why it is refused; writes nothing. */
export function planFeatureGroupLock(request: LockRequest): LockPlan {
  return planLock(request, FEATURE_GROUP_LOCK_RULES);
}
