// The CronJob controller: Jobs on a cron schedule.
export { cronJobControllerFactory, newCronJobController, CronJobController } from './cronjob-controller';
export type { CronJobControllerDeps, CronJobClient } from './cronjob-controller';
