import type { DescriptorProto, FieldDescriptorProto, FileDescriptorProto } from 'ts-proto-descriptors';

/** The slice of ts-proto's generated `protoMetadata` the codec needs. */
export interface FileMetadata {
  fileDescriptor: FileDescriptorProto;
}

export type ScalarKind = 'double' | 'int' | 'int64' | 'bool' | 'string' | 'bytes' | 'enum';

export type FieldShape =
  | { kind: 'scalar'; scalar: ScalarKind }
  | { kind: 'message'; typeName: string };

export interface FieldInfo {
  protoName: string;
  jsonName: string;
  repeated: boolean;
  /** For map fields: the value's shape (keys are always strings in our protos). */
  mapValue?: FieldShape;
  shape: FieldShape;
}

export interface MessageInfo {
  fullName: string;
  fields: FieldInfo[];
  byJsonName: Map<string, FieldInfo>;
}

// google.protobuf.FieldDescriptorProto.Type numbers.
const TYPE_DOUBLE = 1;
const TYPE_FLOAT = 2;
const TYPE_INT64 = 3;
const TYPE_UINT64 = 4;
const TYPE_INT32 = 5;
const TYPE_FIXED64 = 6;
const TYPE_FIXED32 = 7;
const TYPE_BOOL = 8;
const TYPE_STRING = 9;
const TYPE_MESSAGE = 11;
const TYPE_BYTES = 12;
const TYPE_UINT32 = 13;
const TYPE_ENUM = 14;
const TYPE_SFIXED32 = 15;
const TYPE_SFIXED64 = 16;
const TYPE_SINT32 = 17;
const TYPE_SINT64 = 18;
const LABEL_REPEATED = 3;

function scalarKind(type: number): ScalarKind {
  switch (type) {
    case TYPE_DOUBLE:
    case TYPE_FLOAT:
      return 'double';
    case TYPE_INT64:
    case TYPE_UINT64:
    case TYPE_FIXED64:
    case TYPE_SFIXED64:
    case TYPE_SINT64:
      return 'int64';
    case TYPE_INT32:
    case TYPE_UINT32:
    case TYPE_FIXED32:
    case TYPE_SFIXED32:
    case TYPE_SINT32:
      return 'int';
    case TYPE_BOOL:
      return 'bool';
    case TYPE_STRING:
      return 'string';
    case TYPE_BYTES:
      return 'bytes';
    case TYPE_ENUM:
      return 'enum';
    default:
      throw new Error(`unsupported protobuf field type ${type}`);
  }
}

function shapeOf(field: FieldDescriptorProto): FieldShape {
  return field.type === TYPE_MESSAGE
    ? { kind: 'message', typeName: field.typeName.replace(/^\./, '') }
    : { kind: 'scalar', scalar: scalarKind(field.type) };
}

/** Every message of the generated protos, by full name, for descriptor-driven JSON conversion. */
export class DescriptorPool {
  private readonly messages = new Map<string, MessageInfo>();
  private readonly raw = new Map<string, DescriptorProto>();

  constructor(files: Iterable<FileMetadata>) {
    for (const { fileDescriptor } of files) {
      for (const message of fileDescriptor.messageType) this.collect(fileDescriptor.package, message);
    }
  }

  private collect(scope: string, message: DescriptorProto): void {
    const fullName = `${scope}.${message.name}`;
    if (this.raw.has(fullName)) return;
    this.raw.set(fullName, message);
    for (const nested of message.nestedType) this.collect(fullName, nested);
  }

  has(fullName: string): boolean {
    return this.raw.has(fullName);
  }

  message(fullName: string): MessageInfo {
    const cached = this.messages.get(fullName);
    if (cached) return cached;
    const descriptor = this.raw.get(fullName);
    if (!descriptor) throw new Error(`unknown protobuf message ${fullName}`);
    const fields = descriptor.field.map((field) => this.fieldInfo(field));
    const info: MessageInfo = { fullName, fields, byJsonName: new Map(fields.map((f) => [f.jsonName, f])) };
    this.messages.set(fullName, info);
    return info;
  }

  private fieldInfo(field: FieldDescriptorProto): FieldInfo {
    const shape = shapeOf(field);
    const repeated = field.label === LABEL_REPEATED;
    if (repeated && shape.kind === 'message') {
      const entry = this.raw.get(shape.typeName);
      if (entry?.options?.mapEntry) {
        const valueField = entry.field.find((f) => f.name === 'value');
        if (!valueField) throw new Error(`map entry ${shape.typeName} has no value`);
        return { protoName: field.name, jsonName: field.jsonName, repeated: false, mapValue: shapeOf(valueField), shape };
      }
    }
    return { protoName: field.name, jsonName: field.jsonName, repeated, shape };
  }
}
