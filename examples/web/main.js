// The example page: pick an image and a backend, train a tiny CycleGAN on the built-in dataset
// (with a live loss chart) or load weights, and see the translation. All the computing happens
// in a worker started by openWorker(); this thread only draws, so the page stays responsive.
import { openWorker, builtinDataset, drawToCanvas } from 'cyclegan-engine';
import { LossChart } from './chart.js';

const $ = (id) => document.getElementById(id);
const ui = {
  backend: $('backend'), file: $('file'), direction: $('direction'), engine: $('engine'),
  size: $('size'), blocks: $('blocks'), steps: $('steps'), train: $('train'), stop: $('stop'),
  weights: $('weights'), translate: $('translate'), status: $('status'),
  input: $('input'), output: $('output'),
};
const chart = new LossChart($('chart'));

let worker = null; // the CycleGANWorker, for the backend it was opened with
let workerBackend = null;
let model = null; // what translates: a trainer (both directions) or a loaded model
let modelSize = null; // a trained model's image size; loaded weights run at the chosen size
let abort = null;
let busy = false;

// The picture to translate: a sample of the built-in dataset's domain A until one is picked.
let source = sampleImage();

function sampleImage() {
  const rgb = builtinDataset({ seed: 1, imgHeight: 64, imgWidth: 64, size: 4, mode: 'test' }).image('A', 0);
  const rgba = new Uint8ClampedArray(64 * 64 * 4);
  for (let p = 0; p < 64 * 64; p++) {
    rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  return drawToCanvas(new ImageData(rgba, 64, 64));
}

function status(text, isError = false) {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', isError);
}

function setBusy(value) {
  busy = value;
  for (const el of [ui.backend, ui.train, ui.weights, ui.size, ui.blocks, ui.steps]) el.disabled = value;
  ui.stop.disabled = !value || !abort;
  ui.translate.disabled = value || !model;
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
  worker = await openWorker({ backend: wanted });
  workerBackend = wanted;
  const adapter = worker.selection.adapter ? ` on ${worker.selection.adapter}` : '';
  // Say why 'auto' did not get WebGPU: on a page that expected a GPU, that is the first question.
  const why = wanted === 'auto' && worker.selection.webgpuUnavailable ? ` (no WebGPU: ${worker.selection.webgpuUnavailable})` : '';
  ui.engine.textContent = `worker running ${worker.backend}${adapter}${why}`;
  return worker;
}

async function closeWorker() {
  model = null;
  modelSize = null;
  if (worker) await worker.close();
  worker = null;
  ui.engine.textContent = 'no worker yet';
}

/** `source` centre-cropped to a square and scaled to size x size, shown in the input canvas. */
function inputPixels(size) {
  const s = Math.min(source.width, source.height);
  ui.input.width = size;
  ui.input.height = size;
  const ctx = ui.input.getContext('2d');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, (source.width - s) / 2, (source.height - s) / 2, s, s, 0, 0, size, size);
  return ctx.getImageData(0, 0, size, size);
}

async function translate() {
  if (!model) return;
  const direction = ui.direction.value;
  try {
    if (model.directions && !model.directions.includes(direction)) {
      throw new Error(`these weights translate ${model.directions.join(' and ')} only`);
    }
    const out = await model.translate(inputPixels(modelSize ?? Number(ui.size.value)), direction);
    drawToCanvas(out, ui.output);
    ui.output.dataset.state = 'translated';
  } catch (e) {
    // A result left from another direction or model would be taken for this one's: clear it.
    ui.output.getContext('2d').clearRect(0, 0, ui.output.width, ui.output.height);
    ui.output.dataset.state = 'error';
    throw e;
  }
}

async function train() {
  const w = await getWorker();
  const size = Number(ui.size.value);
  const steps = Number(ui.steps.value);
  if (model?.dispose) await model.dispose();
  // One epoch over `steps` image pairs, one pair per step; the learning rate stays constant.
  model = await w.createTrainer({ imgHeight: size, imgWidth: size, nResidualBlocks: Number(ui.blocks.value), nEpochs: 1, decayEpoch: 0, batchSize: 1, seed: 7 });
  modelSize = size;
  chart.reset();
  abort = new AbortController();
  ui.stop.disabled = false;
  status(`training on ${w.backend}…`);
  const result = await model.fit(
    { kind: 'builtin', seed: 7, imgHeight: size, imgWidth: size, size: steps },
    {
      signal: abort.signal,
      onProgress: (p) => {
        chart.add(p.losses);
        status(`step ${p.batchesDone} of ${p.batchesDone + p.batchesLeft}: G ${p.losses.lossG.toFixed(3)}, D ${p.losses.lossD.toFixed(3)}, cycle ${p.losses.lossCycle.toFixed(3)} (${p.stepSeconds.toFixed(2)} s a step)`);
      },
    },
  );
  await translate();
  status(`${result.status === 'aborted' ? 'stopped after' : 'trained'} ${result.steps} steps on ${w.backend}; translation shown`);
}

async function loadWeights(file) {
  const w = await getWorker();
  if (model?.dispose) await model.dispose();
  status(`loading ${file.name}…`);
  model = await w.loadModel(file);
  modelSize = null;
  await translate();
  status(`loaded ${file.name} (${model.directions.join(', ')}); translation shown`);
}

ui.train.addEventListener('click', () => action(train));
ui.stop.addEventListener('click', () => abort?.abort());
ui.translate.addEventListener('click', () => action(translate));
ui.backend.addEventListener('change', () => action(closeWorker));
ui.direction.addEventListener('change', () => action(translate));
ui.weights.addEventListener('change', () => ui.weights.files[0] && action(() => loadWeights(ui.weights.files[0])));
ui.file.addEventListener('change', () =>
  action(async () => {
    const file = ui.file.files[0];
    if (!file) return;
    source = await createImageBitmap(file);
    inputPixels(modelSize ?? Number(ui.size.value));
    await translate();
    status(`picked ${file.name} (${source.width}x${source.height})${model ? '; translation shown' : ''}`);
  }),
);

inputPixels(Number(ui.size.value));
document.body.dataset.ready = 'true';
