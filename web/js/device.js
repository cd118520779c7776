// On-device mode, which both pages share: this page detects and embeds photos itself with the
// exprsim/browser bundle and the server's own model (both loaded from this server, as GET
// /api/health's onDevice says), so a photo added here never leaves the device; only a face's
// embedding (16 numbers) is sent, to search. It is on by default where it works: the server
// offers it, the bundle loads and a tensor backend starts. Otherwise, or when the user turns it
// off (remembered in localStorage), photos are uploaded to the server, and the page says why.

const KEY = 'exprsim.mode';

function message(e) {
  const text = e && e.message ? e.message : String(e);
  return e && e.fix ? `${text} (${e.fix})` : text;
}

/** 'device' unless the user turned it off on this browser. */
export function wantedMode() {
  try {
    return localStorage.getItem(KEY) === 'server' ? 'server' : 'device';
  } catch {
    return 'device';
  }
}

function remember(mode) {
  try {
    localStorage.setItem(KEY, mode);
  } catch {
    // Storage blocked: the choice lasts for this page only.
  }
}

/** "wasm (SIMD, 2 threads; fallback: webgl unavailable)" from init()'s engine info. */
function describeEngine(engine) {
  const parts = [];
  if (engine.backend === 'wasm') {
    if (engine.simd) parts.push('SIMD');
    parts.push(`${engine.threads ?? 1} thread${engine.threads === 1 ? '' : 's'}`);
  }
  if (engine.reason) parts.push(engine.reason);
  return parts.length ? `${engine.backend} (${parts.join('; ')})` : engine.backend;
}

/**
 * Loads the bundle, starts its backend and loads the detector and model the server names.
 * → {ok: true, lib, tools, model, engine} or {ok: false, reason}.
 */
async function start(onDevice) {
  if (!onDevice || onDevice.available !== true) {
    return {
      ok: false,
      reason: `the server does not offer it: ${onDevice ? onDevice.reason : 'it is older than this page'}`,
    };
  }
  let lib;
  try {
    lib = await import(onDevice.bundle);
  } catch (e) {
    return { ok: false, reason: `the on-device code did not load (${message(e)})` };
  }
  let engine;
  try {
    engine = await lib.init({ modelBaseUrl: onDevice.modelBaseUrl, wasmPath: onDevice.wasmPath });
  } catch (e) {
    return { ok: false, reason: `no tensor backend starts in this browser (${message(e)})` };
  }
  try {
    const tools = await lib.loadFaceTools({
      detector: onDevice.detector,
      model: onDevice.modelUrl,
    });
    return { ok: true, lib, tools, model: onDevice.model, engine: describeEngine(engine) };
  } catch (e) {
    return { ok: false, reason: `the model did not load (${message(e)})` };
  }
}

/**
 * The page's mode: the line that says which runs and why (`line`, data-testid="mode"), the
 * toggle (`toggle`, a checkbox), and `current()`, which resolves to {kind: 'device', lib, tools,
 * model} or {kind: 'server'} once the wanted mode is ready. `onChange` runs after each switch.
 */
export function createMode({ line, toggle, health, onChange = () => undefined }) {
  let started; // the one start of on-device mode: a promise of start()'s result
  let wanted = wantedMode();
  let ready;

  function show(kind, text) {
    line.dataset.mode = kind;
    line.textContent = text;
    toggle.checked = kind === 'device' || kind === 'starting';
  }

  function settle() {
    if (wanted === 'server') {
      show('server', 'On the server: photos you add are uploaded to it to find their faces.');
      toggle.disabled = false;
      return Promise.resolve({ kind: 'server' });
    }
    show('starting', 'On this device: loading the model into this page…');
    toggle.disabled = true;
    started ??= health.then(
      (h) => start(h.onDevice),
      (e) => ({ ok: false, reason: `the server did not say whether it offers it (${message(e)})` }),
    );
    return started.then((r) => {
      toggle.disabled = !r.ok;
      if (wanted !== 'device') return { kind: 'server' };
      if (!r.ok) {
        show('server', `On the server, because on-device mode is unavailable: ${r.reason}.`);
        line.dataset.reason = r.reason;
        return { kind: 'server' };
      }
      show(
        'device',
        `On this device, backend ${r.engine}: photos you add are analysed in this page and stay here; only a face's 16-number embedding is sent, to search.`,
      );
      return { kind: 'device', lib: r.lib, tools: r.tools, model: r.model };
    });
  }

  toggle.addEventListener('change', () => {
    wanted = toggle.checked ? 'device' : 'server';
    remember(wanted);
    ready = settle();
    ready.then(onChange);
  });
  ready = settle();
  ready.then(onChange);
  return { current: () => ready };
}

/** A File decoded by the browser as exprsim/browser reads it (colour profile, EXIF applied). */
export async function decodeBitmap(file) {
  try {
    return await createImageBitmap(file, {
      colorSpaceConversion: 'default',
      premultiplyAlpha: 'none',
      imageOrientation: 'from-image',
    });
  } catch {
    throw new Error(
      `${file.name} is not an image this browser can decode: choose a JPEG, PNG or WebP photo`,
    );
  }
}

/** A photo's faces found and embedded in the page, in the shape POST /api/faces answers. */
export async function analyseOnDevice(device, file) {
  const bitmap = await decodeBitmap(file);
  try {
    const pixels = await device.lib.imagePixels(bitmap);
    const found = await device.tools.embedPhoto(pixels);
    return {
      width: pixels.width,
      height: pixels.height,
      model: device.model,
      bitmap,
      faces: found.map((f) => ({
        face: f.face,
        box: f.box,
        score: f.score,
        landmarks: f.landmarks,
        embedding: Array.from(f.embedding),
      })),
    };
  } catch (e) {
    bitmap.close();
    throw e;
  }
}
