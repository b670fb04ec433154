// The service account controller: a `default` ServiceAccount in every namespace.
export {
  serviceAccountsControllerFactory,
  newServiceAccountsController,
  ServiceAccountsController,
  SERVICE_ACCOUNT_CONTROLLER_NAME,
  DEFAULT_SERVICE_ACCOUNTS,
  isNamespaceActive,
  serviceAccountsToCreate,
} from './serviceaccounts-controller';
export type { ServiceAccountCreator, ServiceAccountsControllerDeps } from './serviceaccounts-controller';
