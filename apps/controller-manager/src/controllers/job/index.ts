// The Job controller and the TTL-after-finished controller (which deletes finished Jobs).
export { jobControllerFactory, newJobController, JobController } from './job-controller';
export type { JobControllerDeps, JobControllerOptions, JobClient } from './job-controller';
export { ttlAfterFinishedControllerFactory, newTtlAfterFinishedController, TtlAfterFinishedController } from './ttl-after-finished-controller';
