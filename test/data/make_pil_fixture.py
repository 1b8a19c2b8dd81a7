#!/usr/bin/python3
# Generates test/data/fixtures/pil_bicubic.json: PIL's BICUBIC resize of small seeded RGB images,
# the oracle for bicubicResize (the reference's transforms.Resize runs exactly this on PIL images).
# Run with Debian's /usr/bin/python3 (python3-pil); the output is committed.
import base64, json, os, random

import PIL
from PIL import Image

random.seed(1234)
images = []
for (w, h), targets in [
    ((13, 9), [(15, 11), (7, 5), (20, 6), (13, 14), (4, 9), (1, 1)]),
    ((40, 30), [(46, 35), (24, 18)]),  # 46x35: torchvision Resize(int(32 * 1.12)) of a 40x30 image
    ((48, 48), [(53, 53), (12, 12)]),  # 53 = int(48 * 1.12)
]:
    data = bytes(random.randrange(256) for _ in range(w * h * 3))
    img = Image.frombytes('RGB', (w, h), data)
    outputs = [{'width': tw, 'height': th, 'data': base64.b64encode(img.resize((tw, th), Image.BICUBIC).tobytes()).decode()}
               for tw, th in targets]
    images.append({'width': w, 'height': h, 'data': base64.b64encode(data).decode(), 'outputs': outputs})
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, 'fixtures', 'pil_bicubic.json'), 'w') as f:
    json.dump({'generator': 'test/data/make_pil_fixture.py (generated; do not edit)',
               'pil': PIL.__version__, 'images': images}, f)
print(sum(len(i['outputs']) for i in images), 'cases')
