// minictl rollout: manage the rollout of Deployments, DaemonSets and StatefulSets.

import type { Command } from '../../context';
import { groupRun } from '../../help';
import { rolloutHistoryCommand } from './history';
import { rolloutPauseCommand, rolloutRestartCommand, rolloutResumeCommand } from './pause-resume-restart';
import { rolloutStatusCommand } from './status';
import { rolloutUndoCommand } from './undo';

export const rolloutCommand: Command = {
  name: 'rollout',
  summary: 'Manage the rollout of a resource',
  usage: `Manage the rollout of one or many resources.

Valid resource types include:
  * deployments
  * daemonsets
  * statefulsets

Examples:
  # Roll back to the previous deployment
  minictl rollout undo deployment/abc

  # Check the rollout status of a daemonset
  minictl rollout status daemonset/foo

  # Restart a deployment
  minictl rollout restart deployment/abc

Usage:
  minictl rollout SUBCOMMAND [options]
`,
  flags: [],
  subcommands: [rolloutHistoryCommand, rolloutPauseCommand, rolloutRestartCommand, rolloutResumeCommand, rolloutStatusCommand, rolloutUndoCommand],
  run: groupRun(() => rolloutCommand),
};
