import {
  LabelSelectorError,
  newBadRequest,
  parseFieldSelector,
  parseSelector,
  type ApiObject,
  type KindInfo,
} from '@minik8s/api';
import type { WatchFilter } from '../watch/watch-cache';

/** The fields every kind can be selected by, beside its own field labels. */
function fieldsOf(info: KindInfo, obj: ApiObject): Record<string, string> {
  const fields: Record<string, string> = {
    'metadata.name': obj.metadata?.name ?? '',
    ...(info.namespaced ? { 'metadata.namespace': obj.metadata?.namespace ?? '' } : {}),
  };
  return info.fieldLabels ? { ...fields, ...info.fieldLabels(obj) } : fields;
}

/** Which objects a list or watch wants, from its namespace and its label and field selectors. */
export function buildFilter(info: KindInfo, namespace: string | undefined, labelSelector?: string, fieldSelector?: string): WatchFilter {
  let labels;
  try {
    labels = parseSelector(labelSelector ?? '');
  } catch (err) {
    throw newBadRequest(`unable to parse requirement: ${err instanceof LabelSelectorError ? err.message : String(err)}`);
  }
  let fields;
  try {
    fields = parseFieldSelector(fieldSelector ?? '');
  } catch (err) {
    throw newBadRequest(`invalid field selector: ${(err as Error).message}`);
  }
  // Kubernetes refuses a field it cannot select by rather than matching nothing.
  const supported = new Set(Object.keys(fieldsOf(info, {})));
  for (const requirement of fields.requirements()) {
    if (!supported.has(requirement.field)) {
      throw newBadRequest(`field label not supported: ${requirement.field}`);
    }
  }
  const labelsEmpty = labels.isEmpty();
  const fieldsEmpty = fields.isEmpty();
  return {
    namespace: info.namespaced ? namespace : undefined,
    everything: labelsEmpty && fieldsEmpty,
    matches: (obj) =>
      (labelsEmpty || labels.matches(obj.metadata?.labels ?? {})) && (fieldsEmpty || fields.matches(fieldsOf(info, obj))),
  };
}
