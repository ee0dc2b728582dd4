export * from './acknowledge';
export * from './nag-packs';
export * from './report';
