import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ARTIFACT_DIGEST_KEYS, modelBuildingPipeline } from '../../lib/pipeline/model-building-pipeline';
import { MODEL_BUILDING_PIPELINE_PROPS } from '../pipeline-definition/sample-pipeline';

// Issue 12, finding 1: a registered version did not record what it serves, so a changed tarball went unnoticed.

const PROPS = MODEL_BUILDING_PIPELINE_PROPS;

interface StepJson {
  readonly Name: string;
  readonly Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: rendered JSON is read by path
  readonly Arguments: any;
  // biome-ignore lint/suspicious/noExplicitAny: rendered JSON is read by path
  readonly [key: string]: any;
}

describe('GIVEN the model-building pipeline WHEN rendered THEN each version records the digests of what it serves', () => {
  const rendered = JSON.parse(modelBuildingPipeline(PROPS).render()) as { Steps: StepJson[] };
  const check = rendered.Steps.find((s) => s.Name === 'CheckMetric') as StepJson;
  const register = check.Arguments.IfSteps[0] as StepJson;
  const digests = rendered.Steps.find((s) => s.Name === 'RecordArtifactDigests') as StepJson;

  test('THEN the digest job hashes exactly the tarballs the version serves, network-isolated', () => {
    const served = register.Arguments.InferenceSpecification.Containers.map((c: StepJson) => c.ModelDataUrl);
    const hashed = digests.Arguments.ProcessingInputs.map((i: StepJson) => i.S3Input.S3Uri);
    expect(hashed).toEqual([served[1], served[0]]);
    expect(digests.Arguments.NetworkConfig.EnableNetworkIsolation).toBe(true);
    expect(digests.PropertyFiles).toEqual([
      { PropertyFileName: 'ArtifactDigests', OutputName: 'digests', FilePath: 'digests.json' },
    ]);
  });

  test('THEN the version is registered with both digests, and only after they are computed', () => {
    const fromFile = (jsonPath: string) => ({
      'Std:JsonGet': {
        PropertyFile: { Get: 'Steps.RecordArtifactDigests.PropertyFiles.ArtifactDigests' },
        Path: jsonPath,
      },
    });
    expect(register.Arguments.CustomerMetadataProperties).toEqual({
      [ARTIFACT_DIGEST_KEYS.modelData]: fromFile('model_data.sha256'),
      [ARTIFACT_DIGEST_KEYS.inferenceCode]: fromFile('inference_code.sha256'),
    });
    expect(check.DependsOn).toContain('RecordArtifactDigests');
  });

  describe('WHEN its script runs on the downloaded tarballs', () => {
    let root: string;
    const run = () => {
      const [shell, flag, script] = digests.Arguments.AppSpecification.ContainerEntrypoint as string[];
      return spawnSync(shell as string, [flag as string, (script as string).replace('/opt/ml/processing', root)], {
        encoding: 'utf8',
      });
    };
    const put = (folder: string, content: string) => {
      mkdirSync(path.join(root, folder), { recursive: true });
      writeFileSync(path.join(root, folder, 'model.tar.gz'), content);
    };
    const sha256 = (content: string) => createHash('sha256').update(content).digest('hex');

    beforeEach(() => {
      root = mkdtempSync(path.join(os.tmpdir(), 'digests-'));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    test('THEN it writes the SHA-256 of each tarball where the property file reads them', () => {
      // GIVEN
      put('model', 'the model');
      put('inference-code', 'the feature transform');

      // WHEN
      const result = run();

      // THEN
      expect(result.status).toBe(0);
      expect(JSON.parse(readFileSync(path.join(root, 'digests', 'digests.json'), 'utf8'))).toEqual({
        model_data: { sha256: sha256('the model') },
        inference_code: { sha256: sha256('the feature transform') },
      });
    });

    test('GIVEN a tarball is missing THEN it fails, so no version is registered without its digests', () => {
      put('model', 'the model');
      mkdirSync(path.join(root, 'inference-code'));
      expect(run().status).not.toBe(0);
    });
  });
});
