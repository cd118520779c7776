// The odd-one-out page: pick three faces (of the collection, or of photos added here) and see
// which expression is the odd one out (the face outside the closest pair) and the pairwise
// distances. In on-device mode (device.js) added photos are analysed in this page and the
// answer is computed here too: once the page, the faces and the model have loaded it asks the
// server nothing. Otherwise added photos are uploaded and the server answers.
import { collectionSummary, getJson, health, postImage, postJson } from './api.js';
import { analyseOnDevice, createMode, decodeBitmap } from './device.js';
import { baseName, el, formatDistance } from './dom.js';

const $ = (id) => document.getElementById(id);
const grid = $('face-grid');
const count = $('picked-count');
const statusLine = $('status');
const verdict = $('verdict');
const pairs = $('pairs');

/** Picked faces by key in the order they were picked (at most three; a fourth drops the first). */
let picked = [];
/** key → {key, id?, label, embedding, model, thumb (the grid's <img> or <canvas>)}. */
const faces = new Map();
let request = 0;
let added = 0;

function setStatus(text, kind = 'info') {
  statusLine.textContent = text;
  statusLine.dataset.kind = kind;
}

function readyStatus() {
  setStatus(
    faces.size < 3 ? 'Pick at least three faces: add photos of your own.' : 'Click three faces.',
    faces.size < 3 ? 'warn' : 'info',
  );
}

async function loadFaces() {
  setStatus('Loading the faces of the collection…');
  try {
    let offset = 0;
    for (;;) {
      const page = await getJson(
        `/api/photos?status=ok&faces=1&embeddings=1&offset=${offset}&limit=200`,
      );
      for (const p of page.photos) for (const f of p.faces) addCollectionFace(f);
      offset += page.photos.length;
      if (offset >= page.total || page.photos.length === 0 || faces.size >= 600) break;
    }
    readyStatus();
  } catch (e) {
    setStatus(e.message, 'error');
  }
}

function faceLabel(f) {
  return `Face ${f.face + 1} in ${baseName(f.path)}`;
}

function addChoice(face, attrs, name) {
  faces.set(face.key, face);
  grid.append(
    el(
      'li',
      {},
      el(
        'button',
        {
          type: 'button',
          class: 'face-choice',
          'aria-pressed': 'false',
          'aria-label': face.label,
          'data-testid': 'face-choice',
          'data-key': face.key,
          ...attrs,
          onclick: () => toggle(face.key),
        },
        face.thumb,
        el('span', { class: 'name' }, name),
        el('span', { class: 'badge', 'aria-hidden': 'true' }),
      ),
    ),
  );
}

function addCollectionFace(f) {
  addChoice(
    {
      key: `c${f.id}`,
      id: f.id,
      label: faceLabel(f),
      embedding: f.embedding,
      model: f.model,
      thumb: el('img', { src: f.thumbnailUrl, alt: '', width: 96, height: 96 }),
    },
    { 'data-face-id': f.id },
    baseName(f.path),
  );
}

/** A 96x96 square around a face box of a decoded photo. */
function cropCanvas(bitmap, box) {
  const c = el('canvas', { width: 96, height: 96, 'aria-hidden': 'true' });
  const side = Math.max(box.width, box.height) * 1.2;
  const x = box.x + box.width / 2 - side / 2;
  const y = box.y + box.height / 2 - side / 2;
  c.getContext('2d').drawImage(bitmap, x, y, side, side, 0, 0, 96, 96);
  return c;
}

/** Photos of the user's: their faces found on this device, or by the server (uploaded). */
async function addPhotos(files) {
  for (const file of files) {
    const m = await mode.current();
    setStatus(
      m.kind === 'device'
        ? `Finding faces in ${file.name} on this device…`
        : `Uploading ${file.name} to find its faces…`,
    );
    try {
      let r;
      let bitmap;
      if (m.kind === 'device') {
        r = await analyseOnDevice(m, file);
        bitmap = r.bitmap;
      } else {
        r = await postImage('/api/faces', file);
        // The thumbnails are cut here, from the file itself.
        bitmap = await decodeBitmap(file);
      }
      for (const f of r.faces) {
        const n = added++;
        const label = `Face ${f.face + 1} in ${file.name}`;
        addChoice(
          {
            key: `u${n}`,
            label,
            embedding: f.embedding,
            model: r.model ?? undefined,
            own: m.kind,
            thumb: cropCanvas(bitmap, f.box),
          },
          { 'data-own-face': n },
          `${file.name}${r.faces.length > 1 ? ` #${f.face + 1}` : ''}`,
        );
      }
      bitmap.close();
      if (r.faces.length === 0) setStatus(`No face found in ${file.name}.`, 'warn');
      else readyStatus();
    } catch (e) {
      setStatus(e.message, 'error');
    }
  }
}

function toggle(key) {
  picked = picked.includes(key) ? picked.filter((p) => p !== key) : [...picked, key].slice(-3);
  render();
}

function render() {
  for (const b of grid.querySelectorAll('button.face-choice')) {
    const at = picked.indexOf(b.dataset.key);
    b.setAttribute('aria-pressed', String(at >= 0));
    b.querySelector('.badge').textContent = at >= 0 ? String(at + 1) : '';
  }
  count.textContent = `${picked.length} of 3 picked`;
  verdict.replaceChildren();
  pairs.hidden = true;
  if (picked.length === 3) compare(picked.map((k) => faces.get(k)));
  else if (faces.size >= 3)
    setStatus(`Click ${3 - picked.length} more face${picked.length === 2 ? '' : 's'}.`);
}

/** The odd one of three: in the page (on-device mode), else by the server. */
async function answer(chosen) {
  const m = await mode.current();
  if (m.kind === 'device') {
    const [a, b, c] = chosen.map((f) => Float32Array.from(f.embedding));
    const r = m.lib.oddOneOut(a, b, c);
    const d = r.distances;
    return {
      odd: r.odd,
      distances: [
        { a: 0, b: 1, distance: d.ab },
        { a: 0, b: 2, distance: d.ac },
        { a: 1, b: 2, distance: d.bc },
      ],
    };
  }
  if (chosen.every((f) => f.id !== undefined)) {
    return postJson('/api/odd-one-out', { faceIds: chosen.map((f) => f.id) });
  }
  return postJson('/api/odd-one-out', { embeddings: chosen.map((f) => f.embedding) });
}

/** A copy of a face's grid thumbnail, drawn here (no second request for it). */
function thumbCopy(f) {
  const src = f.thumb;
  if (src instanceof HTMLImageElement && !(src.complete && src.naturalWidth > 0)) {
    return el('img', { src: src.src, alt: f.label, width: 128, height: 128 });
  }
  const c = el('canvas', { width: 128, height: 128, role: 'img', 'aria-label': f.label });
  c.getContext('2d').drawImage(src, 0, 0, 128, 128);
  return c;
}

async function compare(chosen) {
  const mine = ++request;
  const models = new Set(chosen.map((f) => f.model).filter((m) => m !== undefined));
  if (models.size > 1) {
    setStatus('These faces were embedded by different models: pick faces of one model.', 'warn');
    return;
  }
  setStatus('Comparing…');
  try {
    const r = await answer(chosen);
    if (mine !== request) return;
    verdict.replaceChildren(
      ...chosen.map((f, i) =>
        el(
          'figure',
          {
            class: i === r.odd ? 'card odd' : 'card',
            'data-testid': i === r.odd ? 'odd-face' : 'pair-face',
            'data-face-id': f.id,
            'data-key': f.key,
          },
          thumbCopy(f),
          el(
            'figcaption',
            {},
            el('strong', {}, i === r.odd ? 'Odd one out' : 'Alike'),
            el('span', {}, `${i + 1}. ${f.label}`),
          ),
        ),
      ),
    );
    const body = pairs.querySelector('tbody');
    body.replaceChildren(
      ...[...r.distances]
        .sort((a, b) => a.distance - b.distance)
        .map((d) =>
          el(
            'tr',
            {
              'data-testid': 'pair-distance',
              'data-distance': d.distance,
              class: d.a !== r.odd && d.b !== r.odd ? 'closest' : undefined,
            },
            el('td', {}, `${d.a + 1} and ${d.b + 1}`),
            el('td', {}, formatDistance(d.distance)),
          ),
        ),
    );
    pairs.hidden = false;
    setStatus(`The odd one out is face ${r.odd + 1}: ${chosen[r.odd].label}.`);
  } catch (e) {
    if (mine === request) setStatus(e.message, 'error');
  }
}

const mode = createMode({ line: $('mode'), toggle: $('device-toggle'), health: health() });

$('clear').addEventListener('click', () => {
  picked = [];
  render();
});
$('odd-upload').addEventListener('change', (ev) => addPhotos([...ev.target.files]));
collectionSummary().then(
  (t) => (document.querySelector('[data-testid=collection-summary]').textContent = t),
  () => undefined,
);
loadFaces();
