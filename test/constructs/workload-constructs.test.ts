// Runs the cases of the alarm routing, batch, Lambda, trigger, feature store and ingestion constructs, and of the
// pipeline definitions they render, in one test file, so aws-cdk-lib loads once for all of them (about 3 s of CPU
// per file); each keeps its own cases file, mirroring lib/.
import '../feature-store/feature-store-stack.cases';
import '../pipeline-definition/definition.cases';
import '../pipeline/artifact-digests.cases';
import '../pipeline/feature-ingestion.cases';
import '../pipeline/sklearn-training.cases';
import './adopted-log-group.cases';
import './alarm-routing.cases';
import './batch-scoring.cases';
import './dead-letter-queue.cases';
import './event-forwarding.cases';
import './platform-function.cases';
import './portfolio-inventory.cases';
import './retraining-triggers.cases';
import './model-rollout.cases';
import './validation.cases';
