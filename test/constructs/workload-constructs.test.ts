// Runs the cases of the batch, Lambda and trigger constructs in one test file, so aws-cdk-lib loads once for all
// of them; each construct keeps its own cases file, mirroring lib/constructs/.
import './batch-scoring.cases';
import './dead-letter-queue.cases';
import './platform-function.cases';
import './retraining-triggers.cases';
