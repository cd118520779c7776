// The main page: pick a photo from the collection or upload one, see its faces outlined, click a
// face to see the nearest expressions in the collection. In on-device mode (device.js) a photo
// of the user's is analysed in this page and only the clicked face's embedding is sent; photos
// of the collection are already on the server, and their faces come from its index either way.
import { collectionSummary, getJson, health, postImage, postJson } from './api.js';
import { analyseOnDevice, createMode } from './device.js';
import { baseName, el, formatDistance, svg } from './dom.js';

const K = 12;
const PAGE = 24;

const $ = (id) => document.getElementById(id);
const grid = $('photo-grid');
const more = $('more-photos');
const statusLine = $('status');
const stage = $('stage');
const photo = $('photo');
const overlay = $('overlay');
const photoName = $('photo-name');
const gallery = $('gallery');

/** The photo on the stage: its faces, where they came from ('index', 'upload' or 'device'), and the model of their embeddings. */
let shown = { source: undefined, faces: [], token: 0, model: undefined };
let objectUrl;
let nextOffset = 0;

function setStatus(text, kind = 'info') {
  statusLine.textContent = text;
  statusLine.dataset.kind = kind;
}

function showError(e) {
  setStatus(e instanceof Error ? e.message : String(e), 'error');
}

async function loadPhotos() {
  more.disabled = true;
  try {
    const page = await getJson(`/api/photos?status=ok&offset=${nextOffset}&limit=${PAGE}`);
    for (const p of page.photos) {
      grid.append(
        el(
          'li',
          {},
          el(
            'button',
            {
              type: 'button',
              class: 'photo-choice',
              'data-testid': 'photo-item',
              'data-photo-id': p.id,
              'aria-label': `Show ${p.path}`,
              onclick: () => pickPhoto(p),
            },
            el('img', { src: p.imageUrl, alt: '', loading: 'lazy', width: 96, height: 96 }),
            el('span', { class: 'name' }, baseName(p.path)),
          ),
        ),
      );
    }
    nextOffset = page.offset + page.photos.length;
    more.hidden = nextOffset >= page.total;
    if (page.total === 0) {
      grid.append(el('li', { class: 'empty' }, 'The collection is empty: upload a photo.'));
    }
  } catch (e) {
    showError(e);
  } finally {
    more.disabled = false;
  }
}

/** Puts a photo on the stage with its faces outlined (boxes in the photo's pixels). */
function showPhoto(src, name, width, height, faces, source, model) {
  const token = ++shown.token;
  shown = { source, faces, token, model };
  gallery.replaceChildren();
  photo.src = src;
  photo.alt = `${name}, ${faces.length} face${faces.length === 1 ? '' : 's'} outlined`;
  photoName.textContent = name;
  overlay.setAttribute('viewBox', `0 0 ${width} ${height}`);
  overlay.setAttribute('preserveAspectRatio', 'none');
  overlay.replaceChildren(
    ...faces.map((f, i) => {
      const label = `Face ${i + 1}, detector score ${f.score.toFixed(2)}`;
      const b = f.box;
      const g = svg(
        'g',
        {
          class: 'face',
          role: 'button',
          tabindex: 0,
          'aria-label': label,
          'aria-pressed': 'false',
          'data-testid': 'face-box',
          'data-face-index': i,
          'data-face-id': f.id,
          onclick: () => pickFace(i),
          onkeydown: (ev) => {
            if (ev.key === 'Enter' || ev.key === ' ') {
              ev.preventDefault();
              pickFace(i);
            }
          },
        },
        svg('title', {}, label),
        svg('rect', {
          x: b.x,
          y: b.y,
          width: b.width,
          height: b.height,
          'vector-effect': 'non-scaling-stroke',
        }),
        svg(
          'text',
          { x: b.x + 4, y: b.y - 6, 'font-size': Math.max(14, Math.round(width / 30)) },
          String(i + 1),
        ),
      );
      return g;
    }),
  );
  stage.hidden = false;
  setStatus(
    faces.length === 0
      ? 'No face found in this photo. Try another one.'
      : `${faces.length} face${faces.length === 1 ? '' : 's'} found. Click one to find similar expressions.`,
    faces.length === 0 ? 'warn' : 'info',
  );
  return token;
}

async function pickPhoto(p) {
  for (const b of grid.querySelectorAll('button')) {
    b.setAttribute('aria-pressed', String(b.dataset.photoId === String(p.id)));
  }
  setStatus(`Loading ${p.path}…`);
  try {
    const r = await getJson(`/api/photos/${p.id}/faces`);
    showPhoto(r.photo.imageUrl, r.photo.path, r.photo.width, r.photo.height, r.faces, 'index');
  } catch (e) {
    showError(e);
  }
}

async function upload(file) {
  if (!file) return;
  for (const b of grid.querySelectorAll('button')) b.setAttribute('aria-pressed', 'false');
  setStatus(`Finding faces in ${file.name}…`);
  gallery.replaceChildren();
  try {
    const m = await mode.current();
    let r;
    if (m.kind === 'device') {
      setStatus(`Finding faces in ${file.name} on this device…`);
      r = await analyseOnDevice(m, file);
      r.bitmap.close();
    } else {
      r = await postImage('/api/faces', file);
    }
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = URL.createObjectURL(file);
    const source = m.kind === 'device' ? 'device' : 'upload';
    showPhoto(objectUrl, file.name, r.width, r.height, r.faces, source, r.model ?? undefined);
  } catch (e) {
    stage.hidden = true;
    showError(e);
  }
}

async function pickFace(i) {
  const { faces, source, token, model } = shown;
  const f = faces[i];
  for (const g of overlay.querySelectorAll('g.face')) {
    g.setAttribute('aria-pressed', String(g.dataset.faceIndex === String(i)));
  }
  setStatus(`Searching for expressions like face ${i + 1}…`);
  gallery.replaceChildren();
  try {
    // Made in the page: the embedding says which model made it (the server checks it is its own).
    const query =
      source === 'index'
        ? { faceId: f.id }
        : source === 'device'
          ? { embedding: f.embedding, model }
          : { embedding: f.embedding };
    const r = await postJson('/api/search', { ...query, k: K });
    if (token !== shown.token) return;
    renderGallery(r.neighbours);
    setStatus(
      r.neighbours.length === 0
        ? 'No other faces in the collection to compare with.'
        : `The ${r.neighbours.length} nearest expression${r.neighbours.length === 1 ? '' : 's'} to face ${i + 1}.`,
    );
  } catch (e) {
    showError(e);
  }
}

function renderGallery(neighbours) {
  gallery.replaceChildren(
    ...neighbours.map((n) =>
      el(
        'li',
        {
          class: 'neighbour',
          'data-testid': 'neighbour',
          'data-face-id': n.face.id,
          'data-distance': n.distance,
        },
        el('img', {
          src: n.face.thumbnailUrl,
          alt: `Face ${n.face.face + 1} in ${n.face.path}`,
          width: 112,
          height: 112,
          loading: 'lazy',
        }),
        el(
          'span',
          { class: 'distance', 'data-testid': 'neighbour-distance' },
          formatDistance(n.distance),
        ),
        el(
          'button',
          {
            type: 'button',
            class: 'link name',
            'data-testid': 'neighbour-photo',
            title: `Open ${n.face.path}`,
            onclick: () => openNeighbour(n.face),
          },
          baseName(n.face.path),
        ),
      ),
    ),
  );
}

async function openNeighbour(face) {
  await pickPhoto({ id: face.photoId, path: face.path });
  const i = shown.faces.findIndex((f) => f.id === face.id);
  if (i >= 0) await pickFace(i);
}

const mode = createMode({ line: $('mode'), toggle: $('device-toggle'), health: health() });

$('upload').addEventListener('change', (ev) => upload(ev.target.files[0]));
more.addEventListener('click', loadPhotos);
collectionSummary().then(
  (t) => (document.querySelector('[data-testid=collection-summary]').textContent = t),
  () => undefined,
);
loadPhotos();
