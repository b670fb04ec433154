import { createLogger, silentLogger, type Logger } from '@minik8s/logging';

/** Silent, unless MINIK8S_TEST_LOG names a level (e.g. `debug`) to see what the controllers do. */
export function testLogger(component = 'controller-manager-test'): Logger {
  const level = process.env.MINIK8S_TEST_LOG;
  return level ? createLogger({ component, level, format: 'json' }) : silentLogger();
}
