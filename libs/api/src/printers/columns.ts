// Building blocks for the registry's table columns.

import type { PodTemplateSpec } from '../generated/core/v1/pod';
import type { ObjectMeta } from '../generated/meta/v1/meta';
import type { TableColumn } from '../scheme/kind-info';
import { ageOf, nameOf } from './format';

type WithMeta = { metadata?: ObjectMeta | undefined };

export function nameColumn<T extends WithMeta>(): TableColumn<T> {
  return { name: 'NAME', value: (obj) => nameOf(obj) };
}

export function ageColumn<T extends WithMeta>(): TableColumn<T> {
  return { name: 'AGE', value: (obj, now) => ageOf(obj, now) };
}

/** A column whose value needs no clock. */
export function column<T>(name: string, value: (obj: T) => string | number, options: { wide?: boolean } = {}): TableColumn<T> {
  return { name, wide: options.wide, value: (obj) => String(value(obj)) };
}

/** The CONTAINERS and IMAGES columns `-o wide` adds to workload kinds. */
export function templateColumns<T>(template: (obj: T) => PodTemplateSpec | undefined): TableColumn<T>[] {
  return [
    column('CONTAINERS', (obj) => (template(obj)?.spec?.containers ?? []).map((c) => c.name ?? '').join(','), { wide: true }),
    column('IMAGES', (obj) => (template(obj)?.spec?.containers ?? []).map((c) => c.image ?? '').join(','), { wide: true }),
  ];
}
