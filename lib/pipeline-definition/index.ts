export * from './check-steps';
export * from './condition-step';
export * from './definition';
export * from './job-steps';
export * from './pipelined';
export * from './processing-step';
export * from './step';
export * from './values';
