import type { FastifyInstance } from 'fastify';
import { oddOneOut, searchByFace, type FaceRecord } from '../../search/index.js';
import type { ServeContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { DEFAULT_SEARCH_K, MAX_SEARCH_K } from '../options.js';
import { bodyObject, parseEmbedding, parseId, parseWhole } from '../params.js';
import { faceView, type FaceView } from '../views.js';

export interface NeighbourView {
  rank: number;
  distance: number;
  face: FaceView;
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
   * The k faces of the index nearest to a face of the index ({faceId}, itself left out) or to an
   * embedding ({embedding}, e.g. from POST /api/faces), nearest first.
   */
  app.post('/api/search', async (req) => {
    const body = bodyObject(req.body);
    const k = parseWhole('k', body.k, DEFAULT_SEARCH_K, 1, MAX_SEARCH_K);
    const hasId = body.faceId !== undefined;
    if (hasId === (body.embedding !== undefined)) {
      throw badRequest(
        'pass exactly one of faceId and embedding',
        'search by a face of the index ({"faceId": 12}) or by an embedding from POST /api/faces',
      );
    }
    // By a stored face: faces of its model, itself left out. By an embedding: the server's model.
    const query = hasId
      ? await face(parseId('faceId', body.faceId))
      : parseEmbedding('embedding', body.embedding, size);
    const model = query instanceof Float32Array ? ctx.options.model : query.model;
    const found = await searchByFace(store, query, { k, model, excludeSelf: true });
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
  });

  /**
   * Three faces ({faceIds} of the index, or {embeddings}) → the odd one out: the face outside the
   * closest pair, with the three pairwise distances.
   */
  app.post('/api/odd-one-out', async (req) => {
    const body = bodyObject(req.body);
    const ids = body.faceIds;
    const embs = body.embeddings;
    if ((ids === undefined) === (embs === undefined)) {
      throw badRequest(
        'pass exactly one of faceIds and embeddings, three of them',
        'e.g. {"faceIds": [3, 8, 12]}',
      );
    }
    const list = (ids ?? embs) as unknown;
    if (!Array.isArray(list) || list.length !== 3) {
      throw badRequest(
        `${ids !== undefined ? 'faceIds' : 'embeddings'} must hold exactly three items`,
      );
    }
    let vectors: Float32Array[];
    let faces: FaceView[] | undefined;
    if (ids !== undefined) {
      const parsed = list.map((v, i) => parseId(`faceIds[${i}]`, v));
      if (new Set(parsed).size !== 3) throw badRequest('faceIds must be three different faces');
      const records = await Promise.all(parsed.map(face));
      if (new Set(records.map((r) => r.model)).size !== 1) {
        throw badRequest(
          'the three faces were embedded by different models',
          'pick faces indexed with the same model',
        );
      }
      vectors = records.map((r) => r.embedding);
      faces = records.map((r) => faceView(r));
    } else {
      vectors = list.map((v, i) => parseEmbedding(`embeddings[${i}]`, v, size));
      if (vectors.some((v) => v.length !== vectors[0].length)) {
        throw badRequest('the three embeddings must have the same length');
      }
    }
    // The closest pair belongs together; the remaining face is the odd one out.
    const r = oddOneOut(vectors[0], vectors[1], vectors[2]);
    return {
      odd: r.odd,
      pair: r.pair,
      ...(faces ? { oddFaceId: faces[r.odd].id, faces } : {}),
      distances: [
        { a: 0, b: 1, distance: r.distances.ab },
        { a: 0, b: 2, distance: r.distances.ac },
        { a: 1, b: 2, distance: r.distances.bc },
      ],
    };
  });
}
