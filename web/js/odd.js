// The odd-one-out page: pick three faces of the collection; the server says which expression is
// the odd one out (the face outside the closest pair) and the pairwise distances.
import { collectionSummary, getJson, postJson } from './api.js';
import { baseName, el, formatDistance } from './dom.js';

const $ = (id) => document.getElementById(id);
const grid = $('face-grid');
const count = $('picked-count');
const statusLine = $('status');
const verdict = $('verdict');
const pairs = $('pairs');

/** Picked faces in the order they were picked (at most three; a fourth drops the first). */
let picked = [];
const faces = new Map();
let request = 0;

function setStatus(text, kind = 'info') {
  statusLine.textContent = text;
  statusLine.dataset.kind = kind;
}

async function loadFaces() {
  setStatus('Loading the faces of the collection…');
  try {
    let offset = 0;
    for (;;) {
      const page = await getJson(`/api/photos?status=ok&faces=1&offset=${offset}&limit=200`);
      for (const p of page.photos) for (const f of p.faces) addFace(f);
      offset += page.photos.length;
      if (offset >= page.total || page.photos.length === 0 || faces.size >= 600) break;
    }
    setStatus(
      faces.size < 3
        ? 'The collection needs at least three faces for this page.'
        : 'Click three faces.',
      faces.size < 3 ? 'warn' : 'info',
    );
  } catch (e) {
    setStatus(e.message, 'error');
  }
}

function faceLabel(f) {
  return `Face ${f.face + 1} in ${baseName(f.path)}`;
}

function addFace(f) {
  faces.set(f.id, f);
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
          'aria-label': faceLabel(f),
          'data-testid': 'face-choice',
          'data-face-id': f.id,
          onclick: () => toggle(f.id),
        },
        el('img', { src: f.thumbnailUrl, alt: '', width: 96, height: 96, loading: 'lazy' }),
        el('span', { class: 'name' }, baseName(f.path)),
        el('span', { class: 'badge', 'aria-hidden': 'true' }),
      ),
    ),
  );
}

function toggle(id) {
  picked = picked.includes(id) ? picked.filter((p) => p !== id) : [...picked, id].slice(-3);
  render();
}

function render() {
  for (const b of grid.querySelectorAll('button.face-choice')) {
    const at = picked.indexOf(Number(b.dataset.faceId));
    b.setAttribute('aria-pressed', String(at >= 0));
    b.querySelector('.badge').textContent = at >= 0 ? String(at + 1) : '';
  }
  count.textContent = `${picked.length} of 3 picked`;
  verdict.replaceChildren();
  pairs.hidden = true;
  if (picked.length === 3) compare([...picked]);
  else if (faces.size >= 3)
    setStatus(`Click ${3 - picked.length} more face${picked.length === 2 ? '' : 's'}.`);
}

async function compare(ids) {
  const mine = ++request;
  setStatus('Comparing…');
  try {
    const r = await postJson('/api/odd-one-out', { faceIds: ids });
    if (mine !== request) return;
    const chosen = r.faces;
    verdict.replaceChildren(
      ...chosen.map((f, i) =>
        el(
          'figure',
          {
            class: i === r.odd ? 'card odd' : 'card',
            'data-testid': i === r.odd ? 'odd-face' : 'pair-face',
            'data-face-id': f.id,
          },
          el('img', { src: f.thumbnailUrl, alt: faceLabel(f), width: 128, height: 128 }),
          el(
            'figcaption',
            {},
            el('strong', {}, i === r.odd ? 'Odd one out' : 'Alike'),
            el('span', {}, `${i + 1}. ${faceLabel(f)}`),
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
    setStatus(`The odd one out is face ${r.odd + 1}: ${faceLabel(chosen[r.odd])}.`);
  } catch (e) {
    if (mine === request) setStatus(e.message, 'error');
  }
}

$('clear').addEventListener('click', () => {
  picked = [];
  render();
});
collectionSummary().then(
  (t) => (document.querySelector('[data-testid=collection-summary]').textContent = t),
  () => undefined,
);
loadFaces();
