// Runs the cases that synthesize configs of their own (notifications; the stage 5 governance of a retired model,
// budgets and cards; the bootstrap policy of stages 1-4; the longest names) in one test file, so aws-cdk-lib loads once for them;
// each keeps its cases file, mirroring what it tests.
import '../tools/bootstrap-policy.cases';
import './notifications.cases';
import './longest-names.cases';
import './portfolio-governance.cases';
