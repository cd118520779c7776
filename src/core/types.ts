/**
 * Types shared by every stage: shapes, JSON values, decoded pixels and backbone references.
 * They live here, at the bottom of the one-way import order, so that no stage has to import a
 * later one for a type.
 */

/** A feature map or image shape, [height, width, channels]. */
export type Shape3 = [number, number, number];

/** A JSON-compatible plain object (what configs and manifests are made of). */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** 1 = grey, 3 = RGB. Pixels are interleaved, row-major, 8 bits per sample. */
export type Channels = 1 | 3;

/** Decoded pixels with no provenance: what tensors, resizes and crops produce. */
export interface RawImage {
  /** width * height * channels bytes, row-major, channels interleaved (RGBRGB... or grey). */
  data: Uint8Array;
  width: number;
  height: number;
  channels: Channels;
}

/** A frozen backbone a head reads features from. */
export interface BackboneRef {
  /** e.g. 'faceapi-recognition'. */
  name: string;
  /** Version of its weights, checked against the feature cache and at embedding time. */
  version: string;
}
