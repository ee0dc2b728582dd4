// Runs the stack cases that synthesize configs of their own (notifications, and the stage 5 governance of a
// retired model, budgets and cards) in one test file, so aws-cdk-lib loads once for them; each keeps its cases file.
import './notifications.cases';
import './portfolio-governance.cases';
