export * from './result';
export * from './ids';
export * from './errors';
export * from './http';
export * from './payload';
export * from './ws';
export * from './routes';
export * from './safety';
