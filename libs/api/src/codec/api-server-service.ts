import {
  ApiServerService,
  CreateRequest,
  DeleteCollectionRequest,
  DeleteRequest,
  DiscoveryRequest,
  DiscoveryResponse,
  GetRequest,
  ListRequest,
  ListResponse,
  ObjectResponse,
  PatchRequest,
  UpdateRequest,
  VersionInfo,
  VersionRequest,
  WatchEvent,
  WatchRequest,
} from '../generated/apiserver/v1/apiserver';
import { encodeMessageToBuffer, type MessageEncoder } from './shared-writer';

interface Serializers<Req, Res> {
  requestSerialize(value: Req): Buffer;
  responseSerialize(value: Res): Buffer;
}

function viaSharedWriter<Req, Res, M extends Serializers<Req, Res>>(method: M, request: MessageEncoder<Req>, response: MessageEncoder<Res>): M {
  return {
    ...method,
    requestSerialize: (value: Req) => encodeMessageToBuffer(request, value),
    responseSerialize: (value: Res) => encodeMessageToBuffer(response, value),
  };
}

/**
 * The generated ApiServer service definition with every message encoded through the shared writer
 * (shared-writer.ts) instead of a fresh one per call; both the apiserver and ApiClient use it.
 */
export const API_SERVER_SERVICE: typeof ApiServerService = {
  create: viaSharedWriter(ApiServerService.create, CreateRequest, ObjectResponse),
  get: viaSharedWriter(ApiServerService.get, GetRequest, ObjectResponse),
  list: viaSharedWriter(ApiServerService.list, ListRequest, ListResponse),
  update: viaSharedWriter(ApiServerService.update, UpdateRequest, ObjectResponse),
  patch: viaSharedWriter(ApiServerService.patch, PatchRequest, ObjectResponse),
  delete: viaSharedWriter(ApiServerService.delete, DeleteRequest, ObjectResponse),
  deleteCollection: viaSharedWriter(ApiServerService.deleteCollection, DeleteCollectionRequest, ListResponse),
  watch: viaSharedWriter(ApiServerService.watch, WatchRequest, WatchEvent),
  discovery: viaSharedWriter(ApiServerService.discovery, DiscoveryRequest, DiscoveryResponse),
  version: viaSharedWriter(ApiServerService.version, VersionRequest, VersionInfo),
};
