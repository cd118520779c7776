import type { FastifyInstance } from 'fastify';
import { oddOneOut, searchByFace, type FaceRecord } from '../../search/index.js';
import type { ServeContext } from '../context.js';
import { HttpError, badRequest, notFound } from '../errors.js';
import { oddOneOutBody, searchBody, type OddOneOutBody, type SearchBody } from '../schemas.js';
import { faceView, type FaceView } from '../views.js';

export interface NeighbourView {
  rank: number;
  distance: number;
  face: FaceView;
}

/**
 * An embedding the schema admitted (numbers within float32 range), scaled to unit length:
 * distances in the index are between unit vectors. All zeros has no direction: 400.
 */
export function unitEmbedding(name: string, values: readonly number[]): Float32Array {
  const v = Float32Array.from(values);
  // The norm of the float32 values: 1e-50 is a non-zero double but a float32 zero.
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (!(norm > 0)) throw badRequest(`${name} is all zeros`, 'pass a non-zero embedding');
  for (let i = 0; i < v.length; i++) v[i] /= norm;
  return v;
}

export function registerSearchRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const { store } = ctx.options;
  const size = ctx.options.embedder?.embeddingSize;

  async function face(id: number): Promise<FaceRecord> {
    const f = await store.getFace(id);
    if (f === undefined) throw notFound(`face ${id}`, 'pass a face id the API listed');
    return f;
  }

  /**
   * The model an embedding query compares with: the server's; `named` (the version the client
   * says made it) must be that one, or, on a server without a model, one the index holds (409
   * E_MODEL_MISMATCH: distances between two models' embeddings mean nothing).
   */
  async function embeddingModel(named: string | undefined): Promise<string | undefined> {
    const own = ctx.options.model;
    if (named === undefined || named === own) return own;
    const fix =
      'reload the page (it loads the model this server serves), or embed the photo with POST /api/faces';
    if (own !== undefined) {
      throw new HttpError(
        409,
        'E_MODEL_MISMATCH',
        `the embedding was made by model ${JSON.stringify(named)}, this server's index by ${JSON.stringify(own)}`,
        fix,
      );
    }
    if (!(await store.stats()).models.includes(named)) {
      throw new HttpError(
        409,
        'E_MODEL_MISMATCH',
        `the index holds no faces of model ${JSON.stringify(named)}`,
        fix,
      );
    }
    return named;
  }

  /**
   * The k faces of the index nearest to a face of the index ({faceId}, itself left out) or to an
   * embedding ({embedding}, e.g. from POST /api/faces or made in the page, with the `model` that
   * made it), nearest first.
   */
  app.post<{ Body: SearchBody }>(
    '/api/search',
    { schema: { body: searchBody(size) } },
    async (req) => {
      const { faceId, embedding, model: named, k, efSearch, exact } = req.body;
      if (faceId !== undefined && named !== undefined) {
        throw badRequest(
          'model goes with embedding, not faceId',
          'leave model out when searching by faceId (the face has its own model)',
        );
      }
      // By a stored face: faces of its model, itself left out. By an embedding: the server's model.
      const query =
        faceId !== undefined ? await face(faceId) : unitEmbedding('embedding', embedding ?? []);
      const model = query instanceof Float32Array ? await embeddingModel(named) : query.model;
      const found = await searchByFace(store, query, {
        k,
        model,
        excludeSelf: true,
        efSearch,
        exact,
      });
      const neighbours: NeighbourView[] = found.map((n, i) => ({
        rank: i + 1,
        distance: n.distance,
        face: faceView(n.face),
      }));
      return {
        k,
        model: model ?? null,
        ...(query instanceof Float32Array ? {} : { faceId: query.id }),
        neighbours,
      };
    },
  );

  /**
   * Three faces ({faceIds} of the index, or {embeddings}) → the odd one out: the face outside the
   * closest pair, with the three pairwise distances.
   */
  app.post<{ Body: OddOneOutBody }>(
    '/api/odd-one-out',
    { schema: { body: oddOneOutBody(size) } },
    async (req) => {
      const { faceIds, embeddings } = req.body;
      let vectors: Float32Array[];
      let faces: FaceView[] | undefined;
      if (faceIds !== undefined) {
        const records = await Promise.all(faceIds.map(face));
        if (new Set(records.map((r) => r.model)).size !== 1) {
          throw badRequest(
            'the three faces were embedded by different models',
            'pick faces indexed with the same model',
          );
        }
        vectors = records.map((r) => r.embedding);
        faces = records.map((r) => faceView(r));
      } else {
        vectors = (embeddings ?? []).map((v, i) => unitEmbedding(`embeddings[${i}]`, v));
        // Without a model the schema cannot know the size, only that the three must agree.
        if (vectors.some((v) => v.length !== vectors[0].length)) {
          throw badRequest(
            'the three embeddings must have the same length',
            'pass three embeddings of one model, as POST /api/faces returns them',
          );
        }
      }
      // The closest pair belongs together; the remaining face is the odd one out.
      const r = oddOneOut(vectors[0], vectors[1], vectors[2]);
      return {
        odd: r.odd,
        pair: r.pair,
        // Two pairs equally close: no face is the odd one (the CLI says so too).
        tie: r.tie,
        ...(faces ? { oddFaceId: faces[r.odd].id, faces } : {}),
        distances: [
          { a: 0, b: 1, distance: r.distances.ab },
          { a: 0, b: 2, distance: r.distances.ac },
          { a: 1, b: 2, distance: r.distances.bc },
        ],
      };
    },
  );
}
