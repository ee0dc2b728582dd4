// Runs the cases of the serving and IAM constructs in one test file, so aws-cdk-lib loads once for all of them;
// each construct keeps its own cases file, mirroring lib/constructs/.
import './model-endpoint.cases';
import './model-api.cases';
import './drift-job.cases';
import './model-monitor.cases';
import './model-package-baselines.cases';
import './persona-roles.cases';
import './platform-role.cases';
import './secure-bucket.cases';
