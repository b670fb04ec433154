/**
 * The engine-restart scenario stops every container on the machine, so it runs only when asked
 * (CI sets this in .ci/run), never by surprise on a developer's machine.
 */
export const DOCKER_RESTART_ENV = 'MINIK8S_E2E_DOCKER_RESTART';

export function dockerRestartEnabled(): boolean {
  return process.env[DOCKER_RESTART_ENV] === '1';
}

export const SKIPPED_LINE =
  `skipped: the Docker engine restart scenario restarts this machine's Docker engine (every container stops); ` +
  `run it with ${DOCKER_RESTART_ENV}=1 npm test`;
