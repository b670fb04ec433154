// The Deployment controller: rollouts through ReplicaSets (registered as "deployment").
export { deploymentControllerFactory, newDeploymentController, DeploymentController, DEPLOYMENT_CONTROLLER_NAME } from './deployment-controller';
export type { DeploymentControllerDeps } from './deployment-controller';
export { ApiDeploymentClient } from './deployment-client';
export type { DeploymentClient, EventSink } from './deployment-client';
