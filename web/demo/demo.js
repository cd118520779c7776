// The static demo (exprsim build-web): exprsim/browser on photos the user drops in. Detection,
// embedding, similarity and odd one out all run in this page; nothing is sent anywhere.
import { init, engineLines, loadFaceTools, imagePixels, oddOneOut } from './exprsim.js';

const $ = (id) => document.getElementById(id);
const faces = []; // { label, embedding, canvas }
let picked = [];

function say(text) {
  $('status').textContent = text;
}

function thumbnail(bitmap, box) {
  const c = document.createElement('canvas');
  c.width = 96;
  c.height = 96;
  const side = Math.max(box.width, box.height) * 1.2;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  c.getContext('2d').drawImage(bitmap, cx - side / 2, cy - side / 2, side, side, 0, 0, 96, 96);
  return c;
}

function showOdd() {
  document.querySelectorAll('.faces button').forEach((b) => b.classList.remove('odd'));
  if (picked.length !== 3) {
    $('odd').textContent = picked.length ? `${picked.length} of 3 picked` : '';
    return;
  }
  const [a, b, c] = picked.map((i) => faces[i].embedding);
  const r = oddOneOut(a, b, c);
  const i = picked[r.odd];
  document.querySelector(`[data-face="${i}"]`).classList.add('odd');
  $('odd').textContent = `Odd one out: ${faces[i].label}`;
  $('odd').dataset.odd = String(i);
}

async function showPairs(tools) {
  const t = $('pairs');
  t.replaceChildren();
  const head = t.insertRow();
  head.insertCell().textContent = '';
  for (const f of faces) head.insertCell().textContent = f.label;
  for (let i = 0; i < faces.length; i++) {
    const row = t.insertRow();
    row.insertCell().textContent = faces[i].label;
    for (let j = 0; j < faces.length; j++) {
      const cell = row.insertCell();
      if (i === j) continue;
      const cmp = await tools.compare(faces[i].embedding, faces[j].embedding);
      cell.textContent =
        cmp.similarity === null ? cmp.distance.toFixed(2) : cmp.similarity.toFixed(2);
      cell.dataset.testid = 'similarity';
      cell.dataset.similarity = String(cmp.similarity);
      cell.dataset.distance = String(cmp.distance);
    }
  }
}

async function addPhotos(tools, files) {
  for (const file of files) {
    say(`Looking at ${file.name}…`);
    const bitmap = await createImageBitmap(file, {
      colorSpaceConversion: 'default',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    });
    const found = await tools.embedPhoto(await imagePixels(bitmap));
    found.forEach((f, k) => {
      const i = faces.length;
      const label = `${file.name.replace(/\.[^.]+$/, '')}${found.length > 1 ? ` #${k + 1}` : ''}`;
      faces.push({ label, embedding: f.embedding });
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.face = String(i);
      button.dataset.testid = 'face';
      button.setAttribute('aria-pressed', 'false');
      button.append(thumbnail(bitmap, f.box));
      const caption = document.createElement('span');
      caption.textContent = label;
      button.append(caption);
      button.addEventListener('click', () => {
        picked = picked.includes(i) ? picked.filter((p) => p !== i) : [...picked, i].slice(-3);
        document
          .querySelectorAll('.faces button')
          .forEach((b) =>
            b.setAttribute('aria-pressed', String(picked.includes(Number(b.dataset.face)))),
          );
        showOdd();
      });
      li.append(button);
      $('faces').append(li);
    });
    bitmap.close();
  }
  await showPairs(tools);
  say(`${faces.length} face${faces.length === 1 ? '' : 's'} found`);
}

async function main() {
  await init({ modelBaseUrl: new URL('models', import.meta.url).href });
  $('engine').textContent = (await engineLines()).slice(1).join(' · ');
  say('Loading the models…');
  const tools = await loadFaceTools({ detector: 'mtcnn' });
  say('Ready: drop photos or choose them.');
  document.body.dataset.ready = 'true';
  $('files').addEventListener('change', (e) => addPhotos(tools, [...e.target.files]));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    addPhotos(
      tools,
      [...e.dataTransfer.files].filter((f) => f.type.startsWith('image/')),
    );
  });
}

main().catch((e) => say(`exprsim could not start: ${e.message}${e.fix ? ` (${e.fix})` : ''}`));
