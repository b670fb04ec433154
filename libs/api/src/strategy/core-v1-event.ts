/**
 * core/v1 Event: the legacy validation Kubernetes applies to events written
 * through core/v1 (the stricter events.k8s.io rules do not apply here).
 */
import type { Event } from '../generated/core/v1';
import type { KindStrategy } from '../scheme/kind-info';
import { type FieldError, FieldPath, invalid, required } from '../validation/field-path';
import { dns1123SubdomainMessages, qualifiedNameMessages } from '../validation/primitives';
import { isZeroValue, wrapMessages } from './core-v1-common';

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

export function validateEvent(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  const root = (name: string): FieldPath => FieldPath.root(name);
  if (isZeroValue(ev.involvedObject)) errs.push(required(root('involvedObject')));
  const ns = ev.metadata?.namespace ?? '';
  const involvedNs = ev.involvedObject?.namespace ?? '';
  const mismatch = (): FieldError => invalid(FieldPath.root('involvedObject', 'namespace'), involvedNs, 'does not match event.namespace');
  const tooLongText = (name: string, limit: number): FieldError => invalid(root(name), '', `can have at most ${limit} characters`);
  if (!ev.eventTime) {
    // An event in the older style: its namespace follows the involved object's.
    if (involvedNs === '') {
      if (ns !== '' && ns !== 'default') errs.push(mismatch());
    } else if (ns !== involvedNs) {
      errs.push(mismatch());
    }
  } else {
    if (involvedNs === '' && ns !== 'default' && ns !== 'kube-system') errs.push(mismatch());
    // core/v1 spells the reporting controller `reportingComponent`; Kubernetes reports it by its internal name.
    const controller = ev.reportingComponent ?? '';
    if (controller === '') errs.push(required(root('reportingController')));
    errs.push(...wrapMessages(qualifiedNameMessages(controller), root('reportingController'), controller));
    const instance = ev.reportingInstance ?? '';
    if (instance === '') errs.push(required(root('reportingInstance')));
    if (instance.length > REPORTING_INSTANCE_LIMIT) errs.push(tooLongText('reportingInstance', REPORTING_INSTANCE_LIMIT));
    const action = ev.action ?? '';
    if (action === '') errs.push(required(root('action')));
    if (action.length > ACTION_LIMIT) errs.push(tooLongText('action', ACTION_LIMIT));
    const reason = ev.reason ?? '';
    if (reason === '') errs.push(required(root('reason')));
    if (reason.length > REASON_LIMIT) errs.push(tooLongText('reason', REASON_LIMIT));
    if ((ev.message ?? '').length > NOTE_LIMIT) errs.push(tooLongText('message', NOTE_LIMIT));
  }
  errs.push(...wrapMessages(dns1123SubdomainMessages(ns), root('namespace'), ns));
  return errs;
}

export const eventStrategy: KindStrategy<Event> = {
  validate: validateEvent,
  validateUpdate: (ev) => validateEvent(ev),
};
