import { highestImplementedStage, MATURITY_STAGES } from '../lib/maturity';
import { synthAtStage } from './support/platform';

// One snapshot per stack and implemented stage; stages above the highest implemented one synthesize the same
// templates (tested in platform.test.ts), so they are not snapshotted twice. Asset hashes are normalized.
const stages = MATURITY_STAGES.filter((stage) => stage <= highestImplementedStage());

describe.each(stages)('templates at maturity %i', (maturity) => {
  const platform = synthAtStage(maturity);
  test.each(platform.stackPaths)('%s', (stackPath) => {
    expect(platform.templateJson(stackPath)).toMatchSnapshot();
  });
});
