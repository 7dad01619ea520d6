export { formatDeploymentName, parseDeploymentName } from './deployment-name.js';
export type { DeploymentId } from './deployment-name.js';
