// Runs the cases that synthesize configs of their own (notifications; the stage 5 governance of a retired model,
// budgets and cards; the bootstrap policy of stages 1-4) in one test file, so aws-cdk-lib loads once for them;
// each keeps its cases file, mirroring what it tests.
import '../tools/bootstrap-policy.cases';
import './notifications.cases';
import './portfolio-governance.cases';
