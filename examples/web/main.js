// The example page: train a small CycleGAN on the built-in dataset (live loss chart, progress
// bar with ETA) or load weights (picked or dropped), then translate photos of any size at full
// resolution, or webcam frames continuously, and download what was trained. All the computing
// happens in a worker started by openWorker(); this thread only draws, so the page stays
// responsive, and it works on WebAssembly where the browser has no WebGPU.
import { openWorker, builtinDataset, drawToCanvas } from 'cyclegan-engine';
import { LossChart } from './chart.js';
import { cropTo, download, formatEta, padToMultipleOf4, safetensorsMetadata, scaledPixels } from './pixels.js';

const $ = (id) => document.getElementById(id);
const ui = {
  backend: $('backend'), engine: $('engine'), blocks: $('blocks'), steps: $('steps'), train: $('train'), stop: $('stop'),
  weights: $('weights'), progressRow: $('progress-row'), progress: $('progress'), eta: $('eta'), domain: $('domain'),
  file: $('file'), direction: $('direction'), longest: $('longest'), translate: $('translate'), webcam: $('webcam'), fps: $('fps'),
  dlGab: $('dl-gab'), dlGba: $('dl-gba'), dlCkpt: $('dl-ckpt'), status: $('status'), drop: $('drop'),
  input: $('input'), output: $('output'), inputCaption: $('input-caption'), outputCaption: $('output-caption'), video: $('video'),
};
const chart = new LossChart($('chart'));
const TRAIN_SIZE = 32;
const DOMAINS = { A: 'flat-coloured shapes on a light background', B: 'shapes with bold stripes on a dark background' };

let worker = null; // the CycleGANWorker, for the backend it was opened with
let workerBackend = null;
/** What translates: { kind: 'trainer' | 'loaded', net, directions, name, recorded } or null. */
let model = null;
let abort = null;
let busy = false;
let webcam = null; // { stream, running } while the webcam mode is on

// The picture to translate: a sample of the built-in dataset's domain A until one is picked.
let source = sampleImage();

function sampleImage() {
  const rgb = builtinDataset({ seed: 1, imgHeight: TRAIN_SIZE, size: 4, mode: 'test' }).image('A', 0);
  const rgba = new Uint8ClampedArray(TRAIN_SIZE * TRAIN_SIZE * 4);
  for (let p = 0; p < TRAIN_SIZE * TRAIN_SIZE; p++) {
    rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  return drawToCanvas(new ImageData(rgba, TRAIN_SIZE, TRAIN_SIZE));
}

function status(text, isError = false) {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', isError);
}

function setBusy(value) {
  busy = value;
  for (const el of [ui.backend, ui.train, ui.weights, ui.blocks, ui.steps]) el.disabled = value || !!webcam;
  ui.stop.disabled = !value || !abort;
  ui.translate.disabled = value || !model || !!webcam;
  ui.webcam.disabled = (value && !webcam) || !model;
  ui.dlGab.disabled = value || !model || !model.directions.includes('AtoB');
  ui.dlGba.disabled = value || !model || !model.directions.includes('BtoA');
  ui.dlCkpt.disabled = value || model?.kind !== 'trainer';
}

/** Runs a UI action: one at a time, errors shown on the page rather than lost in the console. */
async function action(fn) {
  if (busy) return;
  setBusy(true);
  try {
    await fn();
  } catch (e) {
    console.error(e);
    status(`${e.name ?? 'Error'}: ${e.message}`, true);
  } finally {
    abort = null;
    setBusy(false);
  }
}

/** The worker for the selected backend, opened on first use or when the choice changed. */
async function getWorker() {
  const wanted = ui.backend.value;
  if (worker?.isOpen && workerBackend === wanted) return worker;
  await closeWorker();
  status(`starting a worker (${wanted})…`);
  // Kernel threads need a cross-origin-isolated page (SharedArrayBuffer); one core otherwise.
  const threads = globalThis.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  worker = await openWorker({ backend: wanted, wasm: { threads } });
  workerBackend = wanted;
  ui.engine.textContent = engineLine(worker, wanted);
  return worker;
}

function engineLine(w, wanted) {
  if (w.backend === 'webgpu') return `worker running webgpu${w.selection.adapter ? ` on ${w.selection.adapter}` : ''}`;
  const v = w.wasmVariant;
  const build = v ? `, ${v.threads} thread${v.threads === 1 ? '' : 's'}${v.relaxedSimd ? ', relaxed SIMD' : ', SIMD'}` : '';
  // Say why 'auto' did not get WebGPU: on a page that expected a GPU, that is the first question.
  const why = wanted === 'auto' && w.selection.webgpuUnavailable ? ` (no WebGPU: ${w.selection.webgpuUnavailable})` : '';
  return `worker running wasm${build}${why}`;
}

async function closeWorker() {
  stopWebcam();
  model = null;
  showDomain();
  if (worker) await worker.close();
  worker = null;
  ui.engine.textContent = 'no worker yet';
}

/** The line that says which domain the model expects for the chosen direction. */
function showDomain() {
  if (!model) {
    ui.domain.textContent = 'No model yet: train one or load weights.';
    return;
  }
  const dir = currentDirection();
  const [from, to] = dir === 'AtoB' ? ['A', 'B'] : ['B', 'A'];
  if (model.kind === 'trainer') {
    ui.domain.textContent = `Trained here on the built-in dataset: ${dir === 'AtoB' ? 'G_AB' : 'G_BA'} expects domain ${from} (${DOMAINS[from]}) and makes domain ${to} (${DOMAINS[to]}).`;
  } else if (model.recorded) {
    ui.domain.textContent = `${model.name}: a generator for ${from} to ${to} (recorded in the file): it expects images of its training's domain ${from}.`;
  } else {
    ui.domain.textContent = `${model.name}: the file does not record its direction; it is used as ${from} to ${to} and expects images of the domain it was trained to translate from.`;
  }
}

/** The chosen direction, or the only one a loaded generator has. */
function currentDirection() {
  if (model && model.directions.length === 1) return model.directions[0];
  return ui.direction.value;
}

/** Translates ImageData of any size: reflection-padded to multiples of 4, cropped back. */
async function translatePixels(pixels) {
  const padded = padToMultipleOf4(pixels);
  const out = await model.net.translate(padded, currentDirection());
  return cropTo(out, pixels.width, pixels.height);
}

async function translateSource() {
  const pixels = scaledPixels(source, Number(ui.longest.value), ui.input);
  ui.inputCaption.textContent = `input ${pixels.width}x${pixels.height}`;
  if (!model) return;
  const t0 = performance.now();
  try {
    const out = await translatePixels(pixels);
    drawToCanvas(out, ui.output);
    ui.output.dataset.state = 'translated';
    ui.outputCaption.textContent = `translation ${out.width}x${out.height} (${currentDirection()}, ${((performance.now() - t0) / 1000).toFixed(2)} s)`;
  } catch (e) {
    // A result left from another direction or model would be taken for this one's: clear it.
    ui.output.getContext('2d').clearRect(0, 0, ui.output.width, ui.output.height);
    ui.output.dataset.state = 'error';
    ui.outputCaption.textContent = 'translation failed';
    throw e;
  }
}

async function train() {
  const w = await getWorker();
  const steps = Number(ui.steps.value);
  if (model?.net?.dispose) await model.net.dispose();
  model = null;
  // Four epochs over steps / 4 image pairs, the learning rate decaying over the last two: the
  // schedule of `cyclegan-engine demo` (src/cli/commands/demo.ts).
  const nEpochs = steps >= 8 ? 4 : 1;
  const size = Math.ceil(steps / nEpochs);
  const trainer = await w.createTrainer({
    imgHeight: TRAIN_SIZE, imgWidth: TRAIN_SIZE, nResidualBlocks: Number(ui.blocks.value), lr: 0.001,
    nEpochs, decayEpoch: nEpochs > 1 ? nEpochs / 2 : 0, batchSize: 1, seed: 7,
  });
  chart.reset();
  abort = new AbortController();
  ui.stop.disabled = false;
  ui.progressRow.hidden = false;
  ui.progress.value = 0;
  ui.eta.textContent = '';
  status(`training on ${w.backend}…`);
  const started = performance.now();
  const result = await trainer.fit(
    { kind: 'builtin', seed: 7, imgHeight: TRAIN_SIZE, imgWidth: TRAIN_SIZE, size },
    {
      signal: abort.signal,
      onProgress: (p) => {
        chart.add(p.losses);
        const total = p.batchesDone + p.batchesLeft;
        ui.progress.max = total;
        ui.progress.value = p.batchesDone;
        const elapsed = (performance.now() - started) / 1000;
        ui.eta.textContent = `step ${p.batchesDone} of ${total}, ${formatEta(elapsed)} elapsed, about ${formatEta(p.etaSeconds)} left (${p.stepSeconds.toFixed(2)} s a step)`;
        status(`training on ${w.backend}: G ${p.losses.lossG.toFixed(3)}, D ${p.losses.lossD.toFixed(3)}, cycle ${p.losses.lossCycle.toFixed(3)}`);
      },
    },
  );
  model = { kind: 'trainer', net: trainer, directions: ['AtoB', 'BtoA'], name: 'trained here' };
  showDomain();
  await translateSource();
  status(`${result.status === 'aborted' ? 'stopped after' : 'trained'} ${result.steps} steps on ${w.backend}; translation shown`);
}

async function loadWeights(file) {
  const w = await getWorker();
  stopWebcam();
  if (model?.net?.dispose) await model.net.dispose();
  model = null;
  status(`loading ${file.name}…`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const meta = /\.safetensors$/i.test(file.name) ? safetensorsMetadata(bytes) : null;
  const recorded = meta?.direction === 'AtoB' || meta?.direction === 'BtoA' ? meta.direction : null;
  const net = await w.loadModel(bytes, recorded ? { direction: recorded } : {});
  model = { kind: 'loaded', net, directions: [...net.directions], name: file.name, recorded };
  if (model.directions.length === 1) ui.direction.value = model.directions[0];
  showDomain();
  await translateSource();
  status(`loaded ${file.name} (${model.directions.join(', ')}); translation shown`);
}

async function pickImage(file) {
  stopWebcam();
  source = await createImageBitmap(file);
  await translateSource();
  status(`picked ${file.name} (${source.width}x${source.height})${model ? '; translation shown' : ''}`);
}

/** Opens the camera and translates frame after frame until stopped; the fps is shown. */
async function startWebcam() {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  ui.video.srcObject = stream;
  await ui.video.play();
  webcam = { stream, running: true, frames: 0 };
  ui.webcam.textContent = 'Stop webcam';
  setBusy(false);
  // Frames at most 256 px on the longest side (or less when chosen), so the model keeps up.
  const longest = Math.min(256, Number(ui.longest.value));
  let fps = 0;
  let last = performance.now();
  const loop = async () => {
    while (webcam?.running) {
      const pixels = scaledPixels(ui.video, longest, ui.input);
      const out = await translatePixels(pixels);
      if (!webcam?.running) break;
      drawToCanvas(out, ui.output);
      ui.output.dataset.state = 'translated';
      const now = performance.now();
      const instant = 1000 / (now - last);
      last = now;
      fps = fps === 0 ? instant : 0.8 * fps + 0.2 * instant;
      webcam.frames += 1;
      ui.fps.textContent = `webcam: ${fps.toFixed(1)} fps (${pixels.width}x${pixels.height})`;
      ui.fps.dataset.frames = String(webcam.frames);
      ui.inputCaption.textContent = `webcam ${pixels.width}x${pixels.height}`;
      ui.outputCaption.textContent = `translation (${currentDirection()})`;
      await new Promise((r) => requestAnimationFrame(r));
    }
  };
  loop().catch((e) => {
    console.error(e);
    stopWebcam();
    status(`webcam: ${e.name ?? 'Error'}: ${e.message}`, true);
  });
  status('webcam: translating frames continuously');
}

function stopWebcam() {
  if (!webcam) return;
  webcam.running = false;
  for (const t of webcam.stream.getTracks()) t.stop();
  ui.video.srcObject = null;
  webcam = null;
  ui.webcam.textContent = 'Start webcam';
  setBusy(busy);
}

async function downloadWeights(direction) {
  const name = direction === 'AtoB' ? 'G_AB' : 'G_BA';
  const bytes = model.kind === 'trainer' ? await model.net.saveWeights(name, { metadata: { direction } }) : await model.net.saveWeights(direction, { metadata: { direction } });
  download(bytes, `${name}.safetensors`);
  status(`downloaded ${name}.safetensors (${bytes.byteLength} bytes)`);
}

async function downloadCheckpoint() {
  const bytes = await model.net.checkpointBytes();
  download(bytes, 'cyclegan-checkpoint.bin');
  status(`downloaded the checkpoint (${bytes.byteLength} bytes)`);
}

/** A dropped or picked file: weights by their extension, anything else as a photo. */
function takeFile(file) {
  if (/\.(safetensors|pth|pt)$/i.test(file.name)) return action(() => loadWeights(file));
  return action(() => pickImage(file));
}

ui.train.addEventListener('click', () => action(train));
ui.stop.addEventListener('click', () => abort?.abort());
ui.translate.addEventListener('click', () => action(translateSource));
ui.backend.addEventListener('change', () => action(closeWorker));
ui.direction.addEventListener('change', () => {
  showDomain();
  if (!webcam) action(translateSource);
});
ui.longest.addEventListener('change', () => !webcam && action(translateSource));
ui.weights.addEventListener('change', () => ui.weights.files[0] && takeFile(ui.weights.files[0]));
ui.file.addEventListener('change', () => ui.file.files[0] && takeFile(ui.file.files[0]));
ui.webcam.addEventListener('click', () => (webcam ? stopWebcam() : action(startWebcam)));
ui.dlGab.addEventListener('click', () => action(() => downloadWeights('AtoB')));
ui.dlGba.addEventListener('click', () => action(() => downloadWeights('BtoA')));
ui.dlCkpt.addEventListener('click', () => action(downloadCheckpoint));
// Drops anywhere on the page: the panels light up while a file is dragged over.
document.addEventListener('dragover', (e) => {
  e.preventDefault();
  ui.drop.classList.add('dragging');
});
document.addEventListener('dragleave', () => ui.drop.classList.remove('dragging'));
document.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.drop.classList.remove('dragging');
  const file = e.dataTransfer?.files?.[0];
  if (file) takeFile(file);
});

scaledPixels(source, Number(ui.longest.value), ui.input);
document.body.dataset.ready = 'true';
